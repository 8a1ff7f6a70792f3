#include "kernels/row_distance.h"

#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <stdexcept>

namespace astraea::kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;
constexpr int kVector = 8;  // 16-bit elements per 16-byte load
constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 20;

__device__ float2 widen(__nv_bfloat162 v) { return __bfloat1622float2(v); }
__device__ float2 widen(__half2 v) { return __half22float2(v); }

template <typename Pair>
__device__ float squared_difference(const uint4& x, const uint4& y) {
  const Pair* xs = reinterpret_cast<const Pair*>(&x);
  const Pair* ys = reinterpret_cast<const Pair*>(&y);
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kVector / 2; ++i) {
    const float2 u = widen(xs[i]), v = widen(ys[i]);
    const float dx = u.x - v.x, dy = u.y - v.y;
    sum += dx * dx + dy * dy;
  }
  return sum;
}

template <typename Pair>
__global__ void __launch_bounds__(kWarp * kWarpsPerBlock) row_distance_kernel(const RowDistanceParams p) {
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const std::int64_t rows = static_cast<std::int64_t>(p.batch) * p.rows;
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * kWarpsPerBlock;
  for (std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp; r < rows; r += warps) {
    const std::int64_t b = r / p.rows, n = r % p.rows;
    const auto* a = reinterpret_cast<const uint4*>(static_cast<const std::uint16_t*>(p.a) + b * p.a_strides[0] + n * p.a_strides[1]);
    const auto* c = reinterpret_cast<const uint4*>(static_cast<const std::uint16_t*>(p.b) + b * p.b_strides[0] + n * p.b_strides[1]);
    float sum = 0.f;
    for (int i = lane; i < p.dim / kVector; i += kWarp) sum += squared_difference<Pair>(a[i], c[i]);
    for (int offset = kWarp / 2; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (lane == 0) p.out[r] = sqrtf(sum);
  }
}

bool aligned16(const void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer) % 16 == 0; }

}  // namespace

bool row_distance_supported(const RowDistanceParams& p) {
  if (!p.a || !p.b || !p.out || p.dim <= 0 || p.dim % kVector != 0 || p.batch < 0 || p.rows < 0) return false;
  if (!aligned16(p.a) || !aligned16(p.b)) return false;
  for (const std::int64_t stride : {p.a_strides[0], p.a_strides[1], p.b_strides[0], p.b_strides[1]}) {
    if (stride % kVector != 0) return false;
  }
  return true;
}

void row_distance(const RowDistanceParams& p, cudaStream_t stream) {
  if (!row_distance_supported(p)) {
    throw std::invalid_argument("row_distance: needs dim a multiple of 8 and 16-byte aligned pointers and strides");
  }
  const std::int64_t rows = static_cast<std::int64_t>(p.batch) * p.rows;
  if (rows == 0) return;
  const auto blocks = static_cast<unsigned>(std::min(kMaxBlocks, (rows + kWarpsPerBlock - 1) / kWarpsPerBlock));
  if (p.dtype == AttentionDtype::kBf16) {
    row_distance_kernel<__nv_bfloat162><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(p);
  } else {
    row_distance_kernel<__half2><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(p);
  }
  check_launch("row_distance_kernel");
}

}  // namespace astraea::kernels

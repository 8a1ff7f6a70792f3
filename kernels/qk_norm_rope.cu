#include "kernels/qk_norm_rope.h"

#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace astraea::kernels {
namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;
constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 20;  // the rest of the rows by grid stride

template <typename T>
struct Pair;

template <>
struct Pair<__nv_bfloat16> {
  using type = __nv_bfloat162;
  static __device__ float2 widen(type v) { return __bfloat1622float2(v); }
  static __device__ type narrow(float a, float b) { return __floats2bfloat162_rn(a, b); }
};

template <>
struct Pair<__half> {
  using type = __half2;
  static __device__ float2 widen(type v) { return __half22float2(v); }
  static __device__ type narrow(float a, float b) { return __floats2half2_rn(a, b); }
};

__device__ float warp_sum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// One warp per (b, s, h) row; lane l holds the element pairs l, l + 32, ... of the row.
template <typename T, int D>
__global__ void __launch_bounds__(kWarp * kWarpsPerBlock) qk_norm_rope_kernel(const QkNormRopeParams p) {
  using P = Pair<T>;
  using V = typename P::type;
  constexpr int kPairs = D / 2;
  constexpr int kPerLane = (kPairs + kWarp - 1) / kWarp;
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const std::int64_t rows = static_cast<std::int64_t>(p.batch) * p.seq * p.heads;
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * kWarpsPerBlock;
  for (std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp; r < rows; r += warps) {
    const int h = static_cast<int>(r % p.heads);
    const std::int64_t token = r / p.heads;
    const int s = static_cast<int>(token % p.seq);
    const int b = static_cast<int>(token / p.seq);
    const V* x = reinterpret_cast<const V*>(static_cast<const T*>(p.x) + b * p.x_strides[0] + s * p.x_strides[1] + static_cast<std::int64_t>(h) * D);
    float2 v[kPerLane];
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const int pair = lane + j * kWarp;
      v[j] = pair < kPairs ? P::widen(x[pair]) : make_float2(0.f, 0.f);
      sum += v[j].x + v[j].y;
    }
    const float mean = warp_sum(sum) / D;
    float squares = 0.f;
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      if (lane + j * kWarp < kPairs) {
        const float dx = v[j].x - mean, dy = v[j].y - mean;
        squares += dx * dx + dy * dy;
      }
    }
    const float rstd = rsqrtf(warp_sum(squares) / D + p.eps);
    const bool rotate = p.cos != nullptr && s >= p.text_tokens;
    std::int64_t table_row = 0;
    if (rotate) {
      const std::int64_t video_row = s - p.text_tokens;
      table_row = p.table_rows ? p.table_rows[b * p.table_rows_stride + video_row] : video_row;
    }
    V* out = reinterpret_cast<V*>(static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1] + s * p.out_strides[2]);
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const int pair = lane + j * kWarp;
      if (pair >= kPairs) continue;
      float y0 = (v[j].x - mean) * rstd, y1 = (v[j].y - mean) * rstd;
      if (p.weight) {
        y0 *= p.weight[2 * pair];
        y1 *= p.weight[2 * pair + 1];
      }
      if (p.bias) {
        y0 += p.bias[2 * pair];
        y1 += p.bias[2 * pair + 1];
      }
      V y = P::narrow(y0, y1);
      if (rotate) {
        const float2 n = P::widen(y);
        const float2 c = *reinterpret_cast<const float2*>(p.cos + table_row * D + 2 * pair);
        const float2 sn = *reinterpret_cast<const float2*>(p.sin + table_row * D + 2 * pair);
        y = P::narrow(n.x * c.x - n.y * sn.x, n.y * c.y + n.x * sn.y);
      }
      out[pair] = y;
    }
  }
}

template <typename T, int D>
void launch(const QkNormRopeParams& p, cudaStream_t stream) {
  const std::int64_t rows = static_cast<std::int64_t>(p.batch) * p.seq * p.heads;
  const auto blocks = static_cast<unsigned>(std::min(kMaxBlocks, (rows + kWarpsPerBlock - 1) / kWarpsPerBlock));
  qk_norm_rope_kernel<T, D><<<blocks, kWarp * kWarpsPerBlock, 0, stream>>>(p);
  check_launch("qk_norm_rope_kernel");
}

template <typename T>
void dispatch_dim(const QkNormRopeParams& p, cudaStream_t stream) {
  switch (p.head_dim) {
    case 64: return launch<T, 64>(p, stream);
    case 96: return launch<T, 96>(p, stream);
    case 128: return launch<T, 128>(p, stream);
    default: throw std::invalid_argument("qk_norm_rope: head_dim must be 64, 96 or 128, got " + std::to_string(p.head_dim));
  }
}

bool aligned(const void* pointer, std::size_t bytes) { return reinterpret_cast<std::uintptr_t>(pointer) % bytes == 0; }

}  // namespace

void qk_norm_rope(const QkNormRopeParams& p, cudaStream_t stream) {
  if (p.batch < 0 || p.seq < 0 || p.heads <= 0 || p.text_tokens < 0 || p.text_tokens > p.seq) {
    throw std::invalid_argument("qk_norm_rope: bad sizes batch " + std::to_string(p.batch) + ", seq " + std::to_string(p.seq) + ", heads " +
                                std::to_string(p.heads) + ", text_tokens " + std::to_string(p.text_tokens));
  }
  if (static_cast<std::int64_t>(p.batch) * p.seq * p.heads == 0) return;
  if (!p.x || !p.out) throw std::invalid_argument("qk_norm_rope: x and out must be set");
  if ((p.cos == nullptr) != (p.sin == nullptr)) throw std::invalid_argument("qk_norm_rope: cos and sin come together");
  // Pairs of 2-byte elements: 4-byte loads and stores; float2 table reads: 8 bytes.
  bool ok = aligned(p.x, 4) && aligned(p.out, 4) && (!p.cos || (aligned(p.cos, 8) && aligned(p.sin, 8)));
  for (const std::int64_t stride : {p.x_strides[0], p.x_strides[1], p.out_strides[0], p.out_strides[1], p.out_strides[2]}) ok = ok && stride % 2 == 0;
  if (!ok) throw std::invalid_argument("qk_norm_rope: pointers and strides must allow 4-byte pair accesses (8-byte for cos/sin)");
  if (p.dtype == AttentionDtype::kBf16) return dispatch_dim<__nv_bfloat16>(p, stream);
  return dispatch_dim<__half>(p, stream);
}

}  // namespace astraea::kernels

#include "kernels/block_sparse_attention_reference.h"
#include "kernels/launch_check.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace astraea::kernels {
namespace {

constexpr int kThreads = kBlockSparseBlockSize;  // thread t scores key t of every visited block
constexpr int kMaxKeys = 49152;

__device__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ float to_float(__half x) { return __half2float(x); }
template <typename Element>
__device__ float round_to(float x) {
  if constexpr (std::is_same_v<Element, __half>) return __half2float(__float2half_rn(x));
  return __bfloat162float(__float2bfloat16_rn(x));
}

__device__ float block_reduce(float value, bool take_max, float* scratch) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const float other = __shfl_xor_sync(0xffffffff, value, offset);
    value = take_max ? fmaxf(value, other) : value + other;
  }
  __syncthreads();
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = value;
  __syncthreads();
  value = scratch[0];
  for (int w = 1; w < kThreads / 32; ++w) value = take_max ? fmaxf(value, scratch[w]) : value + scratch[w];
  return value;
}

// Grid (q_len, heads, batch). Shared memory: kv_len scores, then head_dim query values.
template <typename Element>
__global__ void reference_kernel(BlockSparseAttentionParams p, bool rounded, float* out, float* lse) {
  extern __shared__ float shared[];
  __shared__ float scratch[kThreads / 32];
  float* scores = shared;
  float* query = shared + p.kv_len;
  const int row = blockIdx.x, head = blockIdx.y, batch = blockIdx.z;
  const auto* q = static_cast<const Element*>(p.q) + batch * p.q_batch_stride + head * p.q_head_stride + row * p.q_row_stride;
  const auto* k = static_cast<const Element*>(p.k) + batch * p.k_batch_stride + head * p.k_head_stride;
  const auto* v = static_cast<const Element*>(p.v) + batch * p.v_batch_stride + head * p.v_head_stride;
  for (int d = threadIdx.x; d < p.head_dim; d += kThreads) query[d] = to_float(q[d]);
  for (int key = threadIdx.x; key < p.kv_len; key += kThreads) scores[key] = -INFINITY;
  __syncthreads();

  const int q_block = row / kBlockSparseBlockSize;
  const int kv_blocks = (p.kv_len + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize;
  int visits = kv_blocks;
  const std::int32_t* list = nullptr;
  if (p.kv_indices != nullptr) {
    visits = p.kv_num_blocks[batch * p.num_batch_stride + head * p.num_head_stride + q_block];
    list = p.kv_indices + batch * p.idx_batch_stride + head * p.idx_head_stride + q_block * p.idx_row_stride;
  }
  for (int i = 0; i < visits; ++i) {
    const int block = list ? list[i] : i;
    const int key = block * kBlockSparseBlockSize + threadIdx.x;
    if (block < 0 || key >= p.kv_len) continue;
    float dot = 0.f;
    for (int d = 0; d < p.head_dim; ++d) dot += query[d] * to_float(k[key * p.k_row_stride + d]);
    dot *= p.softmax_scale;
    scores[key] = rounded ? round_to<Element>(dot) : dot;
  }
  __syncthreads();

  float local_max = -INFINITY;
  for (int key = threadIdx.x; key < p.kv_len; key += kThreads) local_max = fmaxf(local_max, scores[key]);
  const float row_max = block_reduce(local_max, true, scratch);
  float local_sum = 0.f;
  for (int key = threadIdx.x; key < p.kv_len; key += kThreads) {
    const float e = scores[key] == -INFINITY ? 0.f : expf(scores[key] - row_max);
    scores[key] = e;
    local_sum += e;
  }
  const float row_sum = block_reduce(local_sum, false, scratch);
  const float inverse = row_sum > 0.f ? 1.f / row_sum : 0.f;
  if (rounded) {
    for (int key = threadIdx.x; key < p.kv_len; key += kThreads) scores[key] = round_to<Element>(scores[key] * inverse);
  }
  __syncthreads();

  const std::int64_t out_row = (static_cast<std::int64_t>(batch) * p.heads + head) * p.q_len + row;
  for (int d = threadIdx.x; d < p.head_dim; d += kThreads) {
    float acc = 0.f;
    for (int key = 0; key < p.kv_len; ++key) {
      if (scores[key] != 0.f) acc += scores[key] * to_float(v[key * p.v_row_stride + d]);
    }
    out[out_row * p.head_dim + d] = rounded ? round_to<Element>(acc) : acc * inverse;
  }
  if (lse != nullptr && threadIdx.x == 0) lse[out_row] = row_sum > 0.f ? row_max + logf(row_sum) : -INFINITY;
}

}  // namespace

void block_sparse_attention_reference(const BlockSparseAttentionParams& p, ReferencePrecision precision, float* out, float* lse,
                                      cudaStream_t stream) {
  if (p.kv_len <= 0 || p.kv_len > kMaxKeys) throw std::invalid_argument("block_sparse_attention_reference: kv_len must be in 1..49152");
  const bool rounded = precision == ReferencePrecision::kInputRounded;
  const std::size_t smem = (static_cast<std::size_t>(p.kv_len) + p.head_dim) * sizeof(float);
  const dim3 grid(p.q_len, p.heads, p.batch);
  if (p.dtype == AttentionDtype::kBf16) {
    check_cuda(cudaFuncSetAttribute(reference_kernel<__nv_bfloat16>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
               "reference: cudaFuncSetAttribute");
    reference_kernel<__nv_bfloat16><<<grid, kThreads, smem, stream>>>(p, rounded, out, lse);
  } else {
    check_cuda(cudaFuncSetAttribute(reference_kernel<__half>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
               "reference: cudaFuncSetAttribute");
    reference_kernel<__half><<<grid, kThreads, smem, stream>>>(p, rounded, out, lse);
  }
  check_launch("block_sparse_attention_reference");
}

}  // namespace astraea::kernels

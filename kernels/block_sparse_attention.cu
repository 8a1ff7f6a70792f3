// Checks the params and dispatches runtime (dtype, head_dim) to the generated instantiations.
#include "kernels/block_sparse_attention.h"
#include "kernels/block_sparse_attention_instances.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace astraea::kernels {
namespace {

void check(bool condition, const std::string& what) {
  if (!condition) throw std::invalid_argument("block_sparse_attention: " + what);
}

template <typename Element>
void dispatch_head_dim(const BlockSparseAttentionParams& p, cudaStream_t stream) {
  switch (p.head_dim) {
    case 64: return run_block_sparse_attention<Element, 64>(p, stream);
    case 96: return run_block_sparse_attention<Element, 96>(p, stream);
    case 128: return run_block_sparse_attention<Element, 128>(p, stream);
    default: check(false, "head_dim must be 64, 96 or 128, got " + std::to_string(p.head_dim));
  }
}

}  // namespace

void set_contiguous_strides(BlockSparseAttentionParams& p) {
  const std::int64_t d = p.head_dim;
  p.q_row_stride = p.o_row_stride = d;
  p.q_head_stride = p.o_head_stride = p.q_len * d;
  p.q_batch_stride = p.o_batch_stride = p.heads * p.q_head_stride;
  p.k_row_stride = p.v_row_stride = d;
  p.k_head_stride = p.v_head_stride = p.kv_len * d;
  p.k_batch_stride = p.v_batch_stride = p.heads * p.k_head_stride;
  const std::int64_t q_blocks = (p.q_len + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize;
  const std::int64_t kv_blocks = (p.kv_len + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize;
  p.num_head_stride = q_blocks;
  p.num_batch_stride = p.heads * q_blocks;
  p.idx_row_stride = kv_blocks;
  p.idx_head_stride = q_blocks * kv_blocks;
  p.idx_batch_stride = p.heads * p.idx_head_stride;
}

void block_sparse_attention(const BlockSparseAttentionParams& p, cudaStream_t stream) {
  check(p.q && p.k && p.v && p.o, "q, k, v and o must be set");
  check(p.batch > 0 && p.heads > 0 && p.q_len > 0 && p.kv_len > 0, "batch, heads, q_len and kv_len must be positive");
  check(p.softmax_scale > 0.f, "softmax_scale must be positive");
  check((p.kv_indices == nullptr) == (p.kv_num_blocks == nullptr), "kv_num_blocks and kv_indices must be set together");
  check(reinterpret_cast<std::uintptr_t>(p.o) % 4 == 0 && p.o_row_stride % 2 == 0, "o must be 4-byte aligned with even row stride");
  check(p.o_row_stride > 0 && p.o_head_stride > 0 && p.o_batch_stride > 0, "o strides must be positive");
  if (p.q_rows != nullptr) {
    check(p.kv_indices == nullptr, "the query-row gather (q_rows) runs with the dense mask only");
    check(p.q_source_len > 0, "q_source_len must be positive with q_rows");
    check(p.q_rows_batch_stride >= 0, "q_rows_batch_stride must not be negative");
  }
  // Counted in 128-row blocks: at least as many as any instantiation's tiles (128 or 192 rows).
  const std::int64_t q_blocks = (p.q_len + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize;
  check(q_blocks * p.heads * p.batch < (std::int64_t{1} << 31), "too many query blocks for one grid");
  switch (p.dtype) {
    case AttentionDtype::kBf16: return dispatch_head_dim<__nv_bfloat16>(p, stream);
    case AttentionDtype::kFp16: return dispatch_head_dim<__half>(p, stream);
  }
  check(false, "unknown dtype");
}

}  // namespace astraea::kernels

// Block-sparse flash-attention forward for Hopper (sm_90a): O = softmax(scale * Q K^T) V over the
// 128x128 blocks that a FlexAttention-style block mask keeps, plus the natural-log LSE per row.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace astraea::kernels {

// Mask blocks are square: kBlockSparseBlockSize query rows by kBlockSparseBlockSize keys.
constexpr int kBlockSparseBlockSize = 128;

enum class AttentionDtype { kBf16, kFp16 };

// Q, K, V and O are [batch, heads, len, head_dim] in any strides whose last dimension is
// contiguous (elements; e.g. [B,H,S,D] or [B,S,H,D] memory order). Every stride and base pointer
// must be 16-byte aligned.
//
// The mask is FlexAttention's BlockMask CSR pair (int32):
//   kv_num_blocks[b, h, qb]     how many key blocks query block qb attends to
//   kv_indices[b, h, qb, i]     which ones, for i < kv_num_blocks[b, h, qb], in any order
// with qb < ceil(q_len / 128). kv_indices == nullptr selects the dense mask (every key block).
// A stride of 0 broadcasts the mask over batch or heads. Blocks out of range contribute nothing.
struct BlockSparseAttentionParams {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  float* lse = nullptr;  // [batch, heads, q_len] fp32 contiguous, natural log; nullptr skips it

  AttentionDtype dtype = AttentionDtype::kBf16;
  int batch = 0;
  int heads = 0;
  int q_len = 0;
  int kv_len = 0;
  int head_dim = 0;         // 64, 96 or 128
  float softmax_scale = 0;  // multiplies Q K^T; usually 1 / sqrt(head_dim)

  std::int64_t q_batch_stride = 0, q_head_stride = 0, q_row_stride = 0;  // elements
  std::int64_t k_batch_stride = 0, k_head_stride = 0, k_row_stride = 0;
  std::int64_t v_batch_stride = 0, v_head_stride = 0, v_row_stride = 0;
  std::int64_t o_batch_stride = 0, o_head_stride = 0, o_row_stride = 0;

  // Optional query-row gather: query row r of batch b is row q_rows[b * q_rows_batch_stride + r]
  // of q, which then holds q_source_len rows (o and lse keep q_len rows). A row index outside
  // [0, q_source_len) reads as a zero query. nullptr: row r of q. Only with the dense mask.
  const std::int32_t* q_rows = nullptr;
  std::int64_t q_rows_batch_stride = 0;
  int q_source_len = 0;

  const std::int32_t* kv_num_blocks = nullptr;
  const std::int32_t* kv_indices = nullptr;
  std::int64_t num_batch_stride = 0, num_head_stride = 0;                      // elements of kv_num_blocks
  std::int64_t idx_batch_stride = 0, idx_head_stride = 0, idx_row_stride = 0;  // elements of kv_indices
};

// Fills the strides for contiguous [B,H,S,D] tensors and contiguous [B,H,Mq] / [B,H,Mq,Nk] masks.
void set_contiguous_strides(BlockSparseAttentionParams& params);

// Launches on `stream`; throws std::invalid_argument on invalid params and std::runtime_error on a
// CUDA error. Needs a device of compute capability 9.0 (sm_90a code).
void block_sparse_attention(const BlockSparseAttentionParams& params, cudaStream_t stream);

}  // namespace astraea::kernels

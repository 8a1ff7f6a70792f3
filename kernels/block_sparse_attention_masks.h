// Mask policies of the block-sparse attention mainloop. A policy turns (batch, head, query block)
// into a Row: how many key blocks to visit and which key block the i-th visit loads. The mainloop
// is the same for every policy; a new sparsity pattern is a new policy.
#pragma once

#include "kernels/block_sparse_attention.h"

namespace astraea::kernels {

// Every key block, in order.
struct DenseMask {
  struct Row {
    int count;
    __device__ int block(int i) const { return i; }
  };
  __device__ static Row row(const BlockSparseAttentionParams& p, int /*batch*/, int /*head*/, int /*q_block*/) {
    return Row{(p.kv_len + kBlockSparseBlockSize - 1) / kBlockSparseBlockSize};
  }
};

// FlexAttention's CSR pair: kv_num_blocks[b, h, qb] entries of kv_indices[b, h, qb, :].
struct BlockListMask {
  struct Row {
    const std::int32_t* indices;
    int count;
    __device__ int block(int i) const { return __ldg(indices + i); }
  };
  __device__ static Row row(const BlockSparseAttentionParams& p, int batch, int head, int q_block) {
    const std::int32_t count = __ldg(p.kv_num_blocks + batch * p.num_batch_stride + head * p.num_head_stride + q_block);
    const std::int32_t* indices =
        p.kv_indices + batch * p.idx_batch_stride + head * p.idx_head_stride + q_block * p.idx_row_stride;
    return Row{indices, count > 0 ? count : 0};
  }
};

// Query-row policies: how a tile's kBlockM query rows (128, or 192 with three consumer
// warpgroups) reach shared memory.
// Rows q_block*kBlockM .. +kBlockM-1 of q, by the producer thread's TMA (Q's own box of kBlockM
// rows, swizzled like K's and V's).
struct TmaQueryRows {
  static constexpr bool kGather = false;
};
// Rows q_rows[batch, q_block*kBlockM + r] of q, gathered by warp 1 of the producer warpgroup with
// 16-byte cp.async into the swizzled layout TMA would have written (TMA cannot gather rows). The
// warp sleeps while it waits for the consumers to release Q, so it takes no issue slots from them.
struct GatheredQueryRows {
  static constexpr bool kGather = true;
  static constexpr int kThreads = 32;           // warp 1 of the producer warpgroup
  static constexpr unsigned kSleepNs = 256;     // poll interval while Q is in use
};

}  // namespace astraea::kernels

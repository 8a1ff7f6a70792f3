// Testing utility: a naive block-sparse attention on the GPU, one thread block per query row, in
// fp32 from the same 16-bit inputs as block_sparse_attention(). Slow by design; for tests only.
#pragma once

#include "kernels/block_sparse_attention.h"

namespace astraea::kernels {

enum class ReferencePrecision {
  kFloat32,       // scores, probabilities and output in fp32
  kInputRounded,  // like a 16-bit dense kernel: scores, normalised P and O rounded to the input dtype
};

// Reads q, k, v and the mask from `params` (o and lse are ignored) and writes `out`
// ([batch, heads, q_len, head_dim] fp32, contiguous) and, if not null, `lse`
// ([batch, heads, q_len] fp32, natural log). kv_len must be at most 49152.
void block_sparse_attention_reference(const BlockSparseAttentionParams& params, ReferencePrecision precision, float* out, float* lse,
                                      cudaStream_t stream);

}  // namespace astraea::kernels

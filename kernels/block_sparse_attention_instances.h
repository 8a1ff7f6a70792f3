// The per-(element type, head dim) entry points; each is instantiated in its own generated file
// block_sparse_attention_<dtype>_hd<D>.cu so that the dispatch compiles no kernel code.
#pragma once

#include "kernels/block_sparse_attention.h"

namespace astraea::kernels {

template <typename Element, int kHeadDim>
void run_block_sparse_attention(const BlockSparseAttentionParams& params, cudaStream_t stream);

}  // namespace astraea::kernels

// The torch bridge to kernels/: converts tensors into the kernels' Params and launches them on the
// caller's current CUDA stream. Wherever the sm_90a kernels cannot run (CPU tensors, another GPU,
// dtypes other than bf16/fp16, head dims other than 64/96/128, a build without CUDA kernels) the
// same functions fall back to the LibTorch reference, so callers never branch.
//
// Tensors are [B, H, S, D] (any strides with a contiguous last dimension; [B, S, H, D] memory
// order is used in place). Softmax scale 1/sqrt(D). The LSE is the float32 natural-log
// log-sum-exp of each query row's scaled scores over the keys it attends to.
#pragma once

#include "attention/astraea_accelerator.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace astraea::attention {

// Mask blocks of the block-sparse kernel: 128 query rows by 128 keys.
inline constexpr int kKernelBlockSize = 128;

// Whether the fused kernels run q, k, v as given: CUDA tensors on a compute-capability-9.0 device,
// all bf16 or all fp16, head dim 64, 96 or 128, in a build with the CUDA kernels.
bool attention_kernels_available(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);
// The same question before any tensor exists (e.g. a driver deciding whether a run is feasible).
bool attention_kernels_available(const c10::Device& device, at::ScalarType dtype, std::int64_t head_dim);

// softmax(q k^T / sqrt(D)) v restricted to FlexAttention's BlockMask of 128 x 128 blocks:
// kv_num_blocks int32/int64 [B|1, H|1, ceil(Sq/128)] and kv_indices [B|1, H|1, ceil(Sq/128), W]
// (the first kv_num_blocks entries of a row are the key blocks it keeps, in any order; W >= every
// count). Every listed block is attended in full; a row with no block gets out = 0, lse = -inf.
// Undefined kv_num_blocks and kv_indices = dense attention. q [B, H, Sq, D], k/v [B, H, Skv, D].
AttentionWithLse block_sparse_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& kv_num_blocks,
                                        const at::Tensor& kv_indices);

// Row-subset attention (ASTRAEA): every selected query row over all Skv keys, with its LSE.
//   rows undefined:            q holds the selected rows already (any Sq)
//   rows [B, n] int64/int32:   token positions in [0, Sq); q holds every row (Sq == Skv) and the
//                              gather is fused into the kernel's Q load; out [B, H, n, D],
//                              lse [B, H, n]. (q with n rows and rows [B, n] also works: q is
//                              then taken as the selected rows.)
AttentionWithLse row_subset_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& rows);

// || a[b, n, :] - b[b, n, :] ||_2 for a, b [B, N, D] of one shape and dtype: float32 [B, N]. The
// fused kernel (kernels/row_distance.h) reads each input once on sm_90 for bf16/fp16 with D a
// multiple of 8 and 16-byte aligned rows; elsewhere the float32 LibTorch expression.
at::Tensor row_distance(const at::Tensor& a, const at::Tensor& b);

// CogVideoX's query/key preparation fused (kernels/qk_norm_rope.h): LayerNorm over each head's D
// values of x [B, S, H * D] (a projection's output; each row of H * D values contiguous), then RoPE
// on the video rows s >= text_tokens. weight and bias [D] or undefined (cast to x's dtype first,
// as a LayerNorm in x's dtype does); cos and sin [N, D] float32 RoPE tables, or undefined for no
// rotation; table_rows [B, S - text_tokens] int64, the table row of each video row, or undefined
// for video row i -> table row i. Returns [B, H, S, D], contiguous (head-major), in x's dtype.
// Unlike the functions above it has no fallback (the model's own LibTorch path is the reference):
// callers check qk_norm_rope_available, which also requires autograd to be off (no backward).
bool qk_norm_rope_available(const at::Tensor& x, std::int64_t head_dim);
at::Tensor qk_norm_rope(const at::Tensor& x, std::int64_t heads, const at::Tensor& weight, const at::Tensor& bias, double eps,
                        std::int64_t text_tokens, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& table_rows);

// Token-order permutes of up to three tensors at once (Q, K and V; or one output): x [BH, S, D]
// (contiguous) -> y with y[s, r] = x[s, permuted[s] ? order[r] : r]. order int64/int32 [S] is a
// permutation of [0, S) on x's device (built once per layout, e.g. layout_permutation.h's
// band_order, or its inverse_permutation for the way back); permuted bool [BH] on x's device, or
// undefined to permute every slice. One fused launch (kernels/row_permute.h) where the attention
// kernels run; elsewhere index_select and index_copy_.
std::vector<at::Tensor> permute_rows(const std::vector<at::Tensor>& xs, const at::Tensor& order, const at::Tensor& permuted);
std::vector<at::Tensor> permute_rows_reference(const std::vector<at::Tensor>& xs, const at::Tensor& order, const at::Tensor& permuted);

// LibTorch reference of block_sparse_attention, in float32 over chunks of query blocks; used by
// the fallback and by tests.
AttentionWithLse block_sparse_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                  const at::Tensor& kv_num_blocks, const at::Tensor& kv_indices);

}  // namespace astraea::attention

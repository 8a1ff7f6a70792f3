// RainFusion's three head patterns as dense boolean masks, the frame-major <-> token-major token
// permutation, and the block-level view of a mask that block-sparse kernels consume
// (METHODS.md sections 2.1, 2.6 and 3). Reference code: every mask is a dense [S, S] tensor.
#pragma once

#include "attention/layout_permutation.h"
#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::attention {

enum class HeadPattern : std::int64_t { kSpatial = 0, kTemporal = 1, kTextural = 2 };
inline constexpr int kNumHeadPatterns = 3;

// Band half-width as a fraction of the sequence for a band that keeps 1 - s of the entries.
double bandwidth_for_sparsity(double sparsity);

// The textural stride that follows the sparsity (METHODS.md 2.1: tau = 2 halves K and V, higher
// sparsity uses larger strides): max(2, round(1 / (1 - s))), so the checkerboard keeps about
// 1 - s of each frame's keys: 2 at s = 0.5, 4 at s = 0.75, 10 at s = 0.9.
int textural_stride_for_sparsity(double sparsity);

// Gather index of the joint sequence [S]: position L + p*T + t of the token-major order holds
// frame-major token L + t*P + p (P = H*W); text stays in place. x_token_major = x[..., perm, :].
at::Tensor frame_to_token_major(const VideoLayout& layout);
// The inverse gather index: token-major back to frame-major.
at::Tensor token_to_frame_major(const VideoLayout& layout);
// Reorder x [B, h, S, d] along dim 2 between the two orders.
at::Tensor to_token_major(const at::Tensor& x, const VideoLayout& layout);
at::Tensor to_frame_major(const at::Tensor& x, const VideoLayout& layout);

// Dense boolean [S, S] mask (true = attend) in frame-major order. Text rows and columns are
// dense; with first_frame_sink the first latent frame is dense too. Spatial: |q - k| <= w over
// the remaining N' video tokens in frame-major order, w = floor(b*N'/block)*block (at least one
// block; every key when sparsity <= 0). Temporal: the same band in `temporal_order`
// (layout_permutation.h: token-major, or tile-major with tiles of block_size tokens). Textural:
// every query keeps the keys (h, w) with (h - w) mod stride == 0 in every frame.
at::Tensor pattern_mask(HeadPattern pattern, const VideoLayout& layout, double sparsity, int block_size, int textural_stride,
                        bool first_frame_sink, TokenOrder temporal_order = TokenOrder::kTokenMajor);

// Rows `rows` (int64 [n], positions in [0, S)) of pattern_mask, [n, S], built without the
// S x S mask (mask recall needs a few hundred rows of a mask S = 17776 or 119056 wide).
at::Tensor pattern_mask_rows(HeadPattern pattern, const VideoLayout& layout, double sparsity, int block_size, int textural_stride,
                             bool first_frame_sink, TokenOrder temporal_order, const at::Tensor& rows);

// Band half-width in tokens used by the spatial and temporal masks over n video tokens.
std::int64_t band_half_width(std::int64_t n, double sparsity, int block_size);

// Fraction of true entries.
double mask_density(const at::Tensor& mask);

// FlexAttention-style block view: kv_num_blocks [Mq] int32 counts the kept key blocks of each
// query block (a block is kept when any of its elements is true); kv_indices [Mq, Nk] int32 lists
// them first, ascending, followed by the dropped blocks ascending. The last block of each axis may
// be partial.
struct BlockMask {
  at::Tensor kv_num_blocks;
  at::Tensor kv_indices;
  int block_size = 0;
};
BlockMask to_block_mask(const at::Tensor& mask, int block_size);

}  // namespace astraea::attention

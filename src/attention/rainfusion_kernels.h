// RainFusion's three head patterns as work for the block-sparse kernel (kernel_bridge.h), built
// on the device (METHODS.md sections 2.1 and 3):
//
//   spatial   the band |i - j| <= w over the video tokens after the dense prefix (text + sink
//             frame), in frame-major order, as a FlexAttention block list of 128 x 128 blocks
//   temporal  the same block list in the band order: text, sink frame, then the other video
//             tokens in (h, w, t) order (or tile-major: layout_permutation.h); q, k, v of these
//             heads are permuted into it and the output back (Sparse VideoGen's placement)
//   textural  the checkerboard keys (text, sink, (h - w) mod tau == 0) gathered into contiguous
//             K/V, then dense attention over them: exactly the element mask of pattern_mask()
//
// Spatial and temporal heads are block-granular: every 128 x 128 block that the element band
// touches is attended in full, a superset of pattern_mask()'s element band at the band's edges
// (the kernel has no per-element mask). Text rows/columns and the sink stay dense either way.
#pragma once

#include "attention/layout_permutation.h"
#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace astraea::attention {

struct RainFusionKernelPlan {
  VideoLayout layout;
  double sparsity = 0.0;
  int textural_stride = 1;
  bool first_frame_sink = true;
  int band_block_size = 0;      // rounding of the band half-width and tile size (RainFusionSettings::block_size)
  TokenOrder temporal_order = TokenOrder::kTokenMajor;
  at::Tensor band_num_blocks;   // int32 [Mq], Mq = ceil(S / 128)
  at::Tensor band_indices;      // int32 [Mq, Mq], kept blocks first (ascending), then the rest
  at::Tensor temporal_gather;   // int64 [S]: x_band = x[..., temporal_gather, :]
  at::Tensor temporal_inverse;  // int64 [S]: x = x_band[..., temporal_inverse, :]
  at::Tensor textural_keys;     // int64 [S']: the kept key positions, ascending
};

// Gather index of the temporal heads' band order (CPU int64 [S]): text in place, then the sink
// frame (with first_frame_sink), then the other video tokens in (h, w, t) order.
at::Tensor rainfusion_temporal_order(const VideoLayout& layout, bool first_frame_sink);

// Key positions the textural pattern keeps (CPU int64, ascending).
at::Tensor rainfusion_textural_keys(const VideoLayout& layout, int textural_stride, bool first_frame_sink);

// Block list (int32 num [Mq], indices [Mq, Mq]) on `device` of: every row and column before
// `dense_prefix`, plus the band |i - j| <= half_width, over `tokens` tokens in 128-blocks.
std::pair<at::Tensor, at::Tensor> rainfusion_band_blocks(std::int64_t tokens, std::int64_t dense_prefix, std::int64_t half_width,
                                                         const at::Device& device);

RainFusionKernelPlan make_rainfusion_kernel_plan(const VideoLayout& layout, double sparsity, int band_block_size, int textural_stride,
                                                 bool first_frame_sink, const at::Device& device,
                                                 TokenOrder temporal_order = TokenOrder::kTokenMajor);

// Whether `plan` was made for these settings.
bool plan_matches(const RainFusionKernelPlan& plan, const VideoLayout& layout, double sparsity, int band_block_size, int textural_stride,
                  bool first_frame_sink, const at::Device& device, TokenOrder temporal_order = TokenOrder::kTokenMajor);

// q, k, v [B, H, S, D] in frame-major order; patterns int64 [B, H] of HeadPattern codes (any
// device). One block-sparse launch for the spatial and temporal heads, one dense launch over the
// gathered keys for the textural heads. Returns [B, H, S, D]. Runs on any device (the bridge falls
// back to its reference off sm_90).
at::Tensor rainfusion_kernel_attention(const RainFusionKernelPlan& plan, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const at::Tensor& patterns);

}  // namespace astraea::attention

// CogVideoX position encodings, computed exactly as diffusers computes them:
// - 2B: 3D sincos absolute positions added to the video tokens (temporal D/4 first, then the
//   spatial 3D/4 with w before h), computed in float64;
// - 5B and 1.5: 3D RoPE over the video tokens, head dim split t/h/w = 1/4, 3/8, 3/8, interleaved
//   pairs, float32.
#pragma once

#include "model/cogvideox_config.h"

#include <ATen/core/Tensor.h>

#include <array>

namespace astraea::model {

// [frames * grid_h * grid_w, embed_dim] float64, rows in (t, h, w) order.
at::Tensor sincos_positions_3d(int embed_dim, int grid_w, int grid_h, int frames, double spatial_interpolation_scale,
                               double temporal_interpolation_scale);

struct CropRegion {
  std::array<int, 2> start{};  // (top, left)
  std::array<int, 2> stop{};   // (top + height, left + width)
};

// The centred region a grid of (grid_h, grid_w) covers when resized into base_width x base_height
// (diffusers' get_resize_crop_region_for_grid; Python's half-to-even rounding).
CropRegion resize_crop_region_for_grid(int grid_h, int grid_w, int base_width, int base_height);

struct RotaryEmbedding {
  at::Tensor cos;  // [frames * grid_h * grid_w, head_dim] float32
  at::Tensor sin;
};

// "linspace" grid (CogVideoX 1.0): positions spread over the crop region.
RotaryEmbedding rotary_3d_linspace(int head_dim, const CropRegion& crop, int grid_h, int grid_w, int frames, double theta);
// "slice" grid (CogVideoX 1.5): integer positions, sliced to the grid.
RotaryEmbedding rotary_3d_slice(int head_dim, int grid_h, int grid_w, int frames, int max_h, int max_w, double theta);

// What CogVideoXPipeline passes to the transformer for latents of (latent_frames, latent_h,
// latent_w) (latent_frames before temporal patching).
RotaryEmbedding cogvideox_rotary_embedding(const CogVideoXConfig& config, int latent_frames, int latent_h, int latent_w);

// Applies RoPE to the last dim of x [B, heads, S, d] with cos/sin [S, d]: pairs (2i, 2i+1) rotate,
// computed in float32; the result is float32 (copy it into x's dtype).
at::Tensor apply_rotary(const at::Tensor& x, const RotaryEmbedding& rope);

}  // namespace astraea::model

#include "model/positional_encoding.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cmath>

namespace astraea::model {
namespace {

constexpr double kSincosBase = 10000.0;
constexpr double kRopeTheta = 10000.0;

// [len(pos), dim]: [sin(pos w) | cos(pos w)], w_j = 1/10000^(j/(dim/2)), float64.
at::Tensor sincos_1d(int dim, const at::Tensor& positions) {
  const auto omega = 1.0 / at::pow(kSincosBase, at::arange(dim / 2, at::kDouble) / (dim / 2.0));
  const auto out = at::outer(positions.reshape({-1}).to(at::kDouble), omega);
  return at::cat({at::sin(out), at::cos(out)}, 1);
}

// cos/sin of positions x frequencies for one axis, each frequency repeated for its pair.
std::pair<at::Tensor, at::Tensor> rotary_1d(int dim, const at::Tensor& positions, double theta) {
  const auto exponents = at::arange(0, dim, 2, at::kFloat).slice(0, 0, dim / 2) / static_cast<float>(dim);
  const auto frequencies = 1.0 / at::pow(theta, exponents);
  const auto angles = at::outer(positions.to(at::kFloat), frequencies);  // [n, dim/2]
  return {at::cos(angles).repeat_interleave(2, 1), at::sin(angles).repeat_interleave(2, 1)};
}

// Broadcasts per-axis tables to every (t, h, w) and concatenates along the feature dim.
at::Tensor combine_axes(const at::Tensor& t, const at::Tensor& h, const at::Tensor& w) {
  const int64_t frames = t.size(0), grid_h = h.size(0), grid_w = w.size(0);
  const auto tt = t.slice(0, 0, frames).unsqueeze(1).unsqueeze(1).expand({frames, grid_h, grid_w, t.size(1)});
  const auto hh = h.unsqueeze(0).unsqueeze(2).expand({frames, grid_h, grid_w, h.size(1)});
  const auto ww = w.unsqueeze(0).unsqueeze(0).expand({frames, grid_h, grid_w, w.size(1)});
  return at::cat({tt, hh, ww}, -1).reshape({frames * grid_h * grid_w, -1});
}

RotaryEmbedding rotary_from_positions(int head_dim, const at::Tensor& pos_t, const at::Tensor& pos_h, const at::Tensor& pos_w,
                                      double theta) {
  const int dim_t = head_dim / 4;
  const int dim_h = head_dim / 8 * 3;
  const int dim_w = head_dim / 8 * 3;
  const auto [t_cos, t_sin] = rotary_1d(dim_t, pos_t, theta);
  const auto [h_cos, h_sin] = rotary_1d(dim_h, pos_h, theta);
  const auto [w_cos, w_sin] = rotary_1d(dim_w, pos_w, theta);
  return {combine_axes(t_cos, h_cos, w_cos), combine_axes(t_sin, h_sin, w_sin)};
}

int python_round(double x) { return static_cast<int>(std::nearbyint(x)); }  // half to even

}  // namespace

at::Tensor sincos_positions_3d(int embed_dim, int grid_w, int grid_h, int frames, double spatial_interpolation_scale,
                               double temporal_interpolation_scale) {
  const int spatial_dim = 3 * embed_dim / 4;
  const int temporal_dim = embed_dim / 4;
  const auto h = at::arange(grid_h, at::kFloat) / static_cast<float>(spatial_interpolation_scale);
  const auto w = at::arange(grid_w, at::kFloat) / static_cast<float>(spatial_interpolation_scale);
  // Row-major over (h, w): the first half encodes w, the second h (diffusers' meshgrid "xy").
  const auto w_grid = w.unsqueeze(0).expand({grid_h, grid_w});
  const auto h_grid = h.unsqueeze(1).expand({grid_h, grid_w});
  const auto spatial = at::cat({sincos_1d(spatial_dim / 2, w_grid), sincos_1d(spatial_dim / 2, h_grid)}, 1);  // [HW, 3D/4]
  const auto t = at::arange(frames, at::kFloat) / static_cast<float>(temporal_interpolation_scale);
  const auto temporal = sincos_1d(temporal_dim, t);  // [T, D/4]
  const int64_t hw = static_cast<int64_t>(grid_h) * grid_w;
  const auto temporal_rows = temporal.unsqueeze(1).expand({frames, hw, temporal_dim});
  const auto spatial_rows = spatial.unsqueeze(0).expand({frames, hw, spatial_dim});
  return at::cat({temporal_rows, spatial_rows}, -1).reshape({frames * hw, embed_dim});
}

CropRegion resize_crop_region_for_grid(int grid_h, int grid_w, int base_width, int base_height) {
  const double ratio = static_cast<double>(grid_h) / grid_w;
  int resize_h = 0, resize_w = 0;
  if (ratio > static_cast<double>(base_height) / base_width) {
    resize_h = base_height;
    resize_w = python_round(static_cast<double>(base_height) / grid_h * grid_w);
  } else {
    resize_w = base_width;
    resize_h = python_round(static_cast<double>(base_width) / grid_w * grid_h);
  }
  const int top = python_round((base_height - resize_h) / 2.0);
  const int left = python_round((base_width - resize_w) / 2.0);
  return {{top, left}, {top + resize_h, left + resize_w}};
}

RotaryEmbedding rotary_3d_linspace(int head_dim, const CropRegion& crop, int grid_h, int grid_w, int frames, double theta) {
  const auto pos_h = at::linspace(crop.start[0], crop.stop[0] * (grid_h - 1.0) / grid_h, grid_h, at::kFloat);
  const auto pos_w = at::linspace(crop.start[1], crop.stop[1] * (grid_w - 1.0) / grid_w, grid_w, at::kFloat);
  const auto pos_t = at::linspace(0, frames * (frames - 1.0) / frames, frames, at::kFloat);
  return rotary_from_positions(head_dim, pos_t, pos_h, pos_w, theta);
}

RotaryEmbedding rotary_3d_slice(int head_dim, int grid_h, int grid_w, int frames, int max_h, int max_w, double theta) {
  if (grid_h > max_h || grid_w > max_w) fail("rotary embedding: grid {}x{} exceeds the maximum {}x{}", grid_h, grid_w, max_h, max_w);
  const auto pos_h = at::arange(max_h, at::kFloat).slice(0, 0, grid_h);
  const auto pos_w = at::arange(max_w, at::kFloat).slice(0, 0, grid_w);
  const auto pos_t = at::arange(frames, at::kFloat);
  return rotary_from_positions(head_dim, pos_t, pos_h, pos_w, theta);
}

RotaryEmbedding cogvideox_rotary_embedding(const CogVideoXConfig& config, int latent_frames, int latent_h, int latent_w) {
  const int p = config.patch_size;
  const int grid_h = latent_h / p, grid_w = latent_w / p;
  const int base_w = config.sample_width / p, base_h = config.sample_height / p;
  if (!config.patch_size_t) {
    const auto crop = resize_crop_region_for_grid(grid_h, grid_w, base_w, base_h);
    return rotary_3d_linspace(config.attention_head_dim, crop, grid_h, grid_w, latent_frames, kRopeTheta);
  }
  const int p_t = *config.patch_size_t;
  const int frames = (latent_frames + p_t - 1) / p_t;
  return rotary_3d_slice(config.attention_head_dim, grid_h, grid_w, frames, base_h, base_w, kRopeTheta);
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryEmbedding& rope) {
  // In float32, with as few live temporaries as possible: out = x cos + rot(x) sin, where
  // rot(x) = (-x1, x0) per pair.
  const auto xf = x.to(at::kFloat);
  auto out = xf * rope.cos.unsqueeze(0).unsqueeze(0);
  {
    const auto pairs = xf.view({x.size(0), x.size(1), x.size(2), -1, 2});  // [B, h, S, d/2, 2]
    const auto rotated = at::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(3);
    out.addcmul_(rotated, rope.sin.unsqueeze(0).unsqueeze(0));
  }
  return out;  // float32; callers cast or copy into x's dtype
}

}  // namespace astraea::model

#include "attention/arm.h"

#include "attention/kernel_bridge.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace astraea::attention {
namespace {

// First frame that is not the sink; with a single frame the sink is the only frame to sample.
int first_banded_frame(const VideoLayout& layout, bool first_frame_sink) { return first_frame_sink && layout.frames > 1 ? 1 : 0; }

// Band half-width floor(b * S') on a sample of S' tokens.
std::int64_t half_width_for(const at::Tensor& sample, double sparsity) {
  return static_cast<std::int64_t>(std::floor(bandwidth_for_sparsity(sparsity) * static_cast<double>(sample.size(0))));
}

}  // namespace

at::Tensor arm_local_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device) {
  const std::int64_t start = layout.text_tokens + first_banded_frame(layout, first_frame_sink) * layout.frame_tokens();
  return at::arange(start, start + layout.frame_tokens(), at::TensorOptions().dtype(at::kLong).device(device));
}

at::Tensor arm_global_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device) {
  const int first = first_banded_frame(layout, first_frame_sink);
  const std::int64_t omega = std::max(layout.frames - first, 1);
  const std::int64_t start = layout.text_tokens + first * layout.frame_tokens();
  return at::arange(start, layout.total_tokens(), omega, at::TensorOptions().dtype(at::kLong).device(device));
}

ArmResult recognise_patterns(const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout, const ArmOptions& options) {
  TORCH_CHECK(q.dim() == 4 && q.size(2) == layout.total_tokens(), "arm: q must be [B, h, ", layout.total_tokens(), ", d]; got ",
              q.sizes());
  TORCH_CHECK(k.sizes() == q.sizes(), "arm: k ", k.sizes(), " must match q ", q.sizes());
  TORCH_CHECK(layout.frames >= 1 && layout.frame_tokens() >= 1, "arm: the layout has no video tokens");
  ArmResult r;
  // Both recalls reach the host in one copy.
  const at::Tensor local = arm_local_sample(layout, options.first_frame_sink, q.device());
  const at::Tensor global = arm_global_sample(layout, options.first_frame_sink, q.device());
  const at::Tensor recalls =
      sampled_band_recalls(q, k, {local, global}, {half_width_for(local, options.sparsity), half_width_for(global, options.sparsity)})
          .to(at::kFloat)
          .cpu();
  r.temporal_recall = recalls[0];
  r.spatial_recall = recalls[1];
  const at::Tensor& rt = r.temporal_recall;
  const at::Tensor& rs = r.spatial_recall;
  const auto code = [](HeadPattern p) { return static_cast<std::int64_t>(p); };
  if (options.three_way) {
    r.patterns = at::where(rt >= options.alpha, code(HeadPattern::kTemporal),
                           at::where(rs >= options.alpha, code(HeadPattern::kSpatial), code(HeadPattern::kTextural)));
  } else {
    r.patterns = at::where((rt > 0.95) | (rt > rs), code(HeadPattern::kTemporal), code(HeadPattern::kSpatial));
  }
  r.patterns = r.patterns.to(at::kLong);
  return r;
}

}  // namespace astraea::attention

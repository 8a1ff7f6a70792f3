#include "train/clip_blur.h"

#include <ATen/ATen.h>

namespace astraea::train {

at::Tensor blur_clips(const at::Tensor& clips, const at::Tensor& sigmas) {
  TORCH_CHECK(clips.dim() == 5, "blur_clips: clips must be [B, F, C, H, W], got ", clips.sizes());
  TORCH_CHECK(sigmas.dim() == 1 && sigmas.size(0) == clips.size(0), "blur_clips: sigmas must be [", clips.size(0), "], got ", sigmas.sizes());
  const std::int64_t b = clips.size(0), f = clips.size(1), c = clips.size(2), h = clips.size(3), w = clips.size(4);
  const auto options = clips.options();
  const auto taps = at::arange(-kBlurRadius, kBlurRadius + 1, options).square();                        // [5]
  const auto sigma = sigmas.to(options).clamp_min(1e-3).unsqueeze(1);                                     // [B, 1]
  auto weights = at::exp(-taps.unsqueeze(0) / (2 * sigma.square()));                                     // [B, 5]
  weights = weights / weights.sum(1, true);
  const std::int64_t groups = b * f * c;
  const auto per_group = weights.repeat_interleave(f * c, 0);                                            // [G, 5]
  auto x = clips.reshape({1, groups, h, w});
  const std::int64_t one[] = {1, 1}, none[] = {0, 0};
  const auto conv = [&](const at::Tensor& input, const at::Tensor& kernel) { return at::conv2d(input, kernel, at::Tensor(), one, none, one, groups); };
  x = conv(at::pad(x, {kBlurRadius, kBlurRadius, 0, 0}, "replicate"), per_group.view({groups, 1, 1, 2 * kBlurRadius + 1}));
  x = conv(at::pad(x, {0, 0, kBlurRadius, kBlurRadius}, "replicate"), per_group.view({groups, 1, 2 * kBlurRadius + 1, 1}));
  return x.view({b, f, c, h, w});
}

}  // namespace astraea::train

// Gaussian blur of clips, each with its own width: the checker's training augmentation. A
// generated clip is never as crisp as a rendered one (a diffusion model's edges are soft), so a
// checker that has only seen crisp anti-aliased edges misreads soft ones; training on blurred
// clips, and scoring the held-out world blurred too, makes and shows the checker robust to that.
#pragma once

#include <ATen/core/Tensor.h>

namespace astraea::train {

// Radius of the blur kernel in pixels (5 taps): a Gaussian of sigma <= 1 keeps 99% of its mass.
inline constexpr int kBlurRadius = 2;

// clips [B, F, C, H, W] float; sigmas [B] float (pixels, >= 0; 0 leaves the clip unchanged), on
// the clips' device. Each frame and channel is convolved along rows and columns with the clip's
// normalised 5-tap Gaussian, edges replicated (so a uniform background stays uniform).
at::Tensor blur_clips(const at::Tensor& clips, const at::Tensor& sigmas);

}  // namespace astraea::train

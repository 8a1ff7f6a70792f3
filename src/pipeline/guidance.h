// Classifier-free guidance as CogVideoXPipeline applies it: the batch is [uncond, cond] and
// pred = u + w (c - u). With dynamic CFG, w_t = 1 + w (1 - cos(pi ((n - t) / n)^5)) / 2, where t
// is the timestep value (999 ... 19), not the step index, as in the reference pipeline.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::pipeline {

double guidance_scale_at(double guidance_scale, bool dynamic, int steps, std::int64_t timestep);

// prediction: [2B, ...] with the unconditional half first. Returns [B, ...].
at::Tensor apply_guidance(const at::Tensor& prediction, double scale);

}  // namespace astraea::pipeline

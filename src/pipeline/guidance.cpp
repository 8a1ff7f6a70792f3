#include "pipeline/guidance.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numbers>

namespace astraea::pipeline {

namespace {
constexpr double kDynamicCfgExponent = 5.0;
}

double guidance_scale_at(double guidance_scale, bool dynamic, int steps, std::int64_t timestep) {
  if (!dynamic) return guidance_scale;
  const double progress = static_cast<double>(steps - timestep) / steps;
  return 1.0 + guidance_scale * ((1.0 - std::cos(std::numbers::pi * std::pow(progress, kDynamicCfgExponent))) / 2.0);
}

at::Tensor apply_guidance(const at::Tensor& prediction, double scale) {
  const auto halves = prediction.chunk(2, 0);
  return halves[0] + scale * (halves[1] - halves[0]);
}

}  // namespace astraea::pipeline

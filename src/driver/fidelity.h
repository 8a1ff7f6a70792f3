// Fidelity of one generation against its dense reference, accumulated over a trial's generations:
// latent MSE, relative L2 (||x - ref|| / ||ref||) and cosine, and, when both have decoded frames,
// PSNR, SSIM and the quality proxy with its delta against the reference's (signed, and its
// absolute value quality_proxy_abs_delta_pct, which a Pareto table minimises).
#pragma once

#include "eval/quality_proxy.h"
#include "results/store.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace astraea::driver {

class FidelityAccumulator {
 public:
  // `features` (kept by reference's pointers; may be empty) feeds the quality proxy's consistency.
  explicit FidelityAccumulator(eval::QualityProxyFeatures features = {}) : features_(features) {}

  void add_latents(const at::Tensor& output, const at::Tensor& reference);
  // Frames [B, F, H, W, C] in [0, 1] (batch 1).
  void add_frames(const at::Tensor& output, const at::Tensor& reference);
  // Means over the generations added; empty when none was.
  std::vector<results::Metric> metrics() const;

 private:
  eval::QualityProxyFeatures features_;
  std::map<std::string, std::vector<double>> values_;
};

}  // namespace astraea::driver

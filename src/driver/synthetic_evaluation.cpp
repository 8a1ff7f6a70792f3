#include "driver/synthetic_evaluation.h"

#include "core/error.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <thread>

namespace astraea::driver {

TrialResult run_synthetic_trial(const config::ExperimentOptions& options) {
  const int steps = options.sampler.steps;
  std::vector<double> theta = options.method.astraea.budget;
  if (options.method.name == "dense") {
    theta.assign(static_cast<std::size_t>(steps), 1.0);
  } else if (theta.empty()) {
    theta.assign(static_cast<std::size_t>(steps), options.method.astraea.total_budget);
  }
  if (theta.size() != static_cast<std::size_t>(steps)) {
    fail(ErrorKind::kConfig, "synthetic evaluator: method.budget has {} entries for {} sampler steps", theta.size(), steps);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(options.search.synthetic_seconds));
  double mean = 0, weighted = 0, weights = 0;
  for (int i = 0; i < steps; ++i) {
    const double w = steps - i;
    mean += theta[i] / steps;
    weighted += w * (1.0 - theta[i]) * (1.0 - theta[i]);
    weights += w;
  }
  TrialResult result;
  // Rounded to a nanosecond so schedules of equal mean budget tie exactly despite summation order.
  constexpr double kNsPerMs = 1e6;
  const double latency = std::round(kSyntheticDenseMs * (kSyntheticFixedShare + (1.0 - kSyntheticFixedShare) * mean) * kNsPerMs) / kNsPerMs;
  result.metrics.push_back({"latency_ms", 0, latency});
  result.metrics.push_back({"latent_mse", 0, weighted / weights});
  result.summary = fmt::format("synthetic: mean budget {:.3f}, latency {:.1f} ms, latent_mse {:.5f}", mean, latency, weighted / weights);
  return result;
}

}  // namespace astraea::driver

// A closed-form stand-in for a generation, so the search machinery (workers, claims, resume,
// bookkeeping overhead) can be exercised and measured in milliseconds without a model. It is
// selected with search.evaluator=synthetic and is never a quality result.
//
// For the budget schedule theta over T steps (method.budget, or method.total_budget
// at every step; 1 at every step for method=dense):
//   latency_ms = kSyntheticDenseMs * (kSyntheticFixedShare + (1 - kSyntheticFixedShare) * mean(theta))
//   latent_mse = sum_i w_i (1 - theta_i)^2 / sum_i w_i,   w_i = T - i   (early steps matter more)
// so the two conflict, and under a fixed total the best GA schedule spends the budget early.
// Each evaluation first sleeps search.synthetic_seconds.
#pragma once

#include "config/experiment_options.h"
#include "driver/trial_runner.h"

namespace astraea::driver {

inline constexpr double kSyntheticDenseMs = 1000.0;
inline constexpr double kSyntheticFixedShare = 0.2;  // the part of a step that every token budget pays

TrialResult run_synthetic_trial(const config::ExperimentOptions& options);

}  // namespace astraea::driver

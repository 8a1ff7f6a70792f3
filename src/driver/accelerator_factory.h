// One accelerator per generation, from the typed method options: dense, RainFusion, ASTRAEA or
// their combination (astraea_rainfusion).
#pragma once

#include "attention/accelerator.h"
#include "config/experiment_options.h"
#include "results/store.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace astraea::driver {

// Where attention will run: whether the block-sparse kernels can serve long sequences.
struct KernelTarget {
  c10::Device device = c10::Device(c10::kCPU);
  c10::ScalarType dtype = c10::kFloat;
  std::int64_t head_dim = 0;
};

// Throws kNotBuilt for methods (or shapes) this build cannot run, before any work starts.
// `tokens` is the joint sequence length the model will see.
void check_method_runnable(const config::MethodOptions& method, std::int64_t tokens, int steps, const KernelTarget& target);

std::unique_ptr<attention::Accelerator> make_accelerator(const config::MethodOptions& method, int steps);

// Per-method statistics of one finished generation, as metrics (e.g. RainFusion's share of heads
// per pattern at each step, ARM's share of the time); appended to `metrics`.
void collect_method_metrics(const attention::Accelerator& accelerator, std::vector<results::Metric>& metrics);

}  // namespace astraea::driver

// Seeded random weights for latency work on real model shapes: every floating-point parameter
// drawn from N(0, std^2), LayerNorm scales set to one. Parameters on the CPU draw from CPU
// generators (values independent of the thread count); parameters already on a GPU draw there, in
// their own dtype, from the device's generator seeded per parameter (billions of weights in well
// under a second instead of a minute of CPU time; the values then differ from the CPU's, but are
// the same on every GPU of a multi-process run). The device generator's state is restored.
#pragma once

#include <cstdint>

namespace torch::nn {
class Module;
}

namespace astraea::model {

inline constexpr double kRandomInitStd = 0.02;

void init_random_weights(torch::nn::Module& module, std::uint64_t seed, double std = kRandomInitStd);

}  // namespace astraea::model

// Seeded random weights for latency work on real model shapes: every floating-point parameter
// drawn from N(0, std^2) on a CPU generator (so the values do not depend on the device), LayerNorm
// scales set to one.
#pragma once

#include <cstdint>

namespace torch::nn {
class Module;
}

namespace astraea::model {

inline constexpr double kRandomInitStd = 0.02;

void init_random_weights(torch::nn::Module& module, std::uint64_t seed, double std = kRandomInitStd);

}  // namespace astraea::model

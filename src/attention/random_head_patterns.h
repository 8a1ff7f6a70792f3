// A per-head pattern choice without looking at the attention: the baseline that ARM (arm.h) is
// measured against. Each head's pattern is drawn uniformly from the three RainFusion patterns by
// a stream seeded with derive_seed(seed, {step, layer, head}) (src/core/rng.h), so the choice is
// a pure integer function of those coordinates: deterministic and the same on every platform.
// Every batch element (both CFG halves) gets the same pattern for a head.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::attention {

// The HeadPattern code (0, 1, 2) of one head: derive_seed(seed, {step, layer, head}) mod 3.
std::int64_t random_head_pattern(std::uint64_t seed, int step, int layer, std::int64_t head);

// int64 [batch, heads] of HeadPattern codes on the CPU, one random_head_pattern per head; column
// h is the model's head first_head + h.
at::Tensor random_head_patterns(std::uint64_t seed, int step, int layer, std::int64_t batch, std::int64_t heads, std::int64_t first_head = 0);

}  // namespace astraea::attention

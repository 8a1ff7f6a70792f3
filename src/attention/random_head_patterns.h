// A per-head pattern choice without looking at the attention: the baseline that ARM (arm.h) is
// measured against. Each head's pattern is drawn uniformly from the first `pattern_count` RainFusion
// patterns (3: all of them; 2: spatial and temporal, the two-way decision's choices) by a stream seeded with derive_seed(seed, {step, layer, head}) (src/core/rng.h), so the choice is
// a pure integer function of those coordinates: deterministic and the same on every platform.
// Every batch element (both CFG halves) gets the same pattern for a head.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::attention {

// The HeadPattern code of one head: derive_seed(seed, {step, layer, head}) mod pattern_count
// (2 or 3).
std::int64_t random_head_pattern(std::uint64_t seed, int step, int layer, std::int64_t head, int pattern_count = 3);

// int64 [batch, heads] of HeadPattern codes on the CPU, one random_head_pattern per head; column
// h is the model's head first_head + h.
at::Tensor random_head_patterns(std::uint64_t seed, int step, int layer, std::int64_t batch, std::int64_t heads, std::int64_t first_head = 0,
                                int pattern_count = 3);

}  // namespace astraea::attention

#include "attention/random_head_patterns.h"

#include "attention/rainfusion_masks.h"
#include "core/rng.h"

#include <ATen/ATen.h>

#include <vector>

namespace astraea::attention {

std::int64_t random_head_pattern(std::uint64_t seed, int step, int layer, std::int64_t head, int pattern_count) {
  TORCH_CHECK(step >= 0 && layer >= 0 && head >= 0, "random head pattern: step ", step, ", layer ", layer, " and head ", head,
              " must be >= 0");
  TORCH_CHECK(pattern_count == 2 || pattern_count == kNumHeadPatterns, "random head pattern: pattern_count ", pattern_count,
              " must be 2 or ", kNumHeadPatterns);
  // 2^64 mod 3 = 1, so the modulo favours code 0 by 2^-64: uniform for every practical purpose.
  const std::uint64_t draw = derive_seed(seed, {static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(layer),
                                                static_cast<std::uint64_t>(head)});
  return static_cast<std::int64_t>(draw % static_cast<std::uint64_t>(pattern_count));
}

at::Tensor random_head_patterns(std::uint64_t seed, int step, int layer, std::int64_t batch, std::int64_t heads, std::int64_t first_head,
                                int pattern_count) {
  TORCH_CHECK(batch >= 1 && heads >= 1, "random head patterns: batch ", batch, " and heads ", heads, " must be positive");
  std::vector<std::int64_t> codes(static_cast<std::size_t>(heads));
  for (std::int64_t h = 0; h < heads; ++h) codes[static_cast<std::size_t>(h)] = random_head_pattern(seed, step, layer, first_head + h, pattern_count);
  return at::tensor(codes, at::kLong).unsqueeze(0).expand({batch, heads}).contiguous();
}

}  // namespace astraea::attention

// random_head_patterns: pinned values from an independent SplitMix64 computation (portability),
// determinism, one choice per head across the batch, and a uniform share of the three patterns.
#include "attention/random_head_patterns.h"
#include "attention/rainfusion_masks.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <array>
#include <vector>

using namespace astraea::attention;

TEST_CASE("random head patterns match values computed independently", "[rainfusion][random]") {
  // derive_seed(seed, {step, layer, head}) mod 3 for step in {1, 2}, layer in {0, 5}, head 0..5,
  // computed outside this code base from the SplitMix64 definition.
  const std::vector<std::int64_t> seed0{1, 2, 0, 1, 2, 2, 1, 2, 0, 2, 0, 1, 1, 2, 1, 1, 0, 0, 2, 2, 0, 2, 1, 1};
  const std::vector<std::int64_t> seed42{1, 2, 1, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 1, 2, 2, 1, 0, 1, 2, 0, 0, 1};
  std::size_t i = 0;
  for (const int step : {1, 2}) {
    for (const int layer : {0, 5}) {
      for (std::int64_t head = 0; head < 6; ++head, ++i) {
        INFO("step " << step << " layer " << layer << " head " << head);
        CHECK(random_head_pattern(0, step, layer, head) == seed0[i]);
        CHECK(random_head_pattern(42, step, layer, head) == seed42[i]);
      }
    }
  }
}

TEST_CASE("random head patterns are deterministic and shared across the batch", "[rainfusion][random]") {
  const at::Tensor a = random_head_patterns(7, 3, 4, 2, 30);
  const at::Tensor b = random_head_patterns(7, 3, 4, 2, 30);
  REQUIRE(a.sizes() == at::IntArrayRef({2, 30}));
  CHECK(a.scalar_type() == at::kLong);
  CHECK(at::equal(a, b));
  CHECK(at::equal(a[0], a[1]));
  CHECK_FALSE(at::equal(a, random_head_patterns(8, 3, 4, 2, 30)));
  CHECK_FALSE(at::equal(a, random_head_patterns(7, 4, 4, 2, 30)));
  CHECK_FALSE(at::equal(a, random_head_patterns(7, 3, 5, 2, 30)));
  CHECK_THROWS(random_head_patterns(7, -1, 0, 1, 1));
  CHECK_THROWS(random_head_patterns(7, 0, 0, 1, 0));
}

TEST_CASE("random head patterns draw each pattern about a third of the time", "[rainfusion][random]") {
  constexpr int kSteps = 50, kLayers = 30, kHeads = 30;  // 45000 draws: a share's standard error is 0.0022
  std::array<std::int64_t, kNumHeadPatterns> counts{0, 0, 0};
  for (int step = 0; step < kSteps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      const at::Tensor p = random_head_patterns(0, step, layer, 1, kHeads);
      for (int code = 0; code < kNumHeadPatterns; ++code) counts[code] += (p == code).sum().item<std::int64_t>();
    }
  }
  for (int code = 0; code < kNumHeadPatterns; ++code) {
    INFO("pattern " << code << ": " << counts[code]);
    CHECK(static_cast<double>(counts[code]) / (kSteps * kLayers * kHeads) == Approx(1.0 / 3.0).margin(0.01));
  }
}

TEST_CASE("the two-way random baseline draws spatial or temporal, from the same stream", "[rainfusion][random]") {
  // derive_seed(0, {step, layer, head}) mod 2 for step in {1, 2}, layer in {0, 5}, head 0..5,
  // computed outside this code base from the SplitMix64 definition.
  const std::vector<std::int64_t> seed0{0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1};
  std::size_t i = 0;
  for (const int step : {1, 2}) {
    for (const int layer : {0, 5}) {
      for (std::int64_t head = 0; head < 6; ++head, ++i) CHECK(random_head_pattern(0, step, layer, head, 2) == seed0[i]);
    }
  }
  std::array<std::int64_t, 2> counts{0, 0};
  for (int step = 0; step < 40; ++step) {
    for (int layer = 0; layer < 30; ++layer) {
      const at::Tensor p = random_head_patterns(3, step, layer, 2, 30, 0, 2);
      CHECK(at::equal(p[0], p[1]));
      CHECK((p == static_cast<std::int64_t>(HeadPattern::kTextural)).sum().item<std::int64_t>() == 0);
      counts[0] += (p[0] == 0).sum().item<std::int64_t>();
      counts[1] += (p[0] == 1).sum().item<std::int64_t>();
    }
  }
  CHECK(static_cast<double>(counts[0]) / (counts[0] + counts[1]) == Approx(0.5).margin(0.015));  // 36000 draws: SE 0.0026
  CHECK_THROWS(random_head_pattern(0, 0, 0, 0, 1));
  CHECK_THROWS(random_head_pattern(0, 0, 0, 0, 4));
}

// PatternReuse: when a layer's decision is reused and when it is due, worked by hand.
#include "attention/pattern_reuse.h"
#include "support/catch.h"

#include <ATen/ATen.h>

using astraea::attention::PatternReuse;

TEST_CASE("a decision is reused for interval steps, per layer and shape", "[reuse]") {
  PatternReuse reuse(3);
  CHECK(reuse.reusable(0, 4, 2, 5) == nullptr);  // nothing decided yet
  CHECK(reuse.latest(0) == nullptr);
  const at::Tensor patterns = at::zeros({2, 5}, at::kLong);
  reuse.store(0, 4, patterns);
  // Steps 4, 5 and 6 reuse the step-4 decision; step 7 is due (7 - 4 = 3 steps).
  for (int step : {4, 5, 6}) {
    INFO("step " << step);
    REQUIRE(reuse.reusable(0, step, 2, 5) != nullptr);
    CHECK(reuse.reusable(0, step, 2, 5)->data_ptr() == patterns.data_ptr());
  }
  CHECK(reuse.reusable(0, 7, 2, 5) == nullptr);
  CHECK(reuse.reusable(0, 3, 2, 5) == nullptr);  // an earlier step: a new generation
  CHECK(reuse.reusable(1, 5, 2, 5) == nullptr);  // another layer
  CHECK(reuse.reusable(0, 5, 1, 5) == nullptr);  // another batch
  CHECK(reuse.reusable(0, 5, 2, 4) == nullptr);  // another head count
  // expire() makes the decision due and keeps it as the latest.
  reuse.expire();
  CHECK(reuse.reusable(0, 5, 2, 5) == nullptr);
  REQUIRE(reuse.latest(0) != nullptr);
  CHECK(reuse.latest(0)->data_ptr() == patterns.data_ptr());
  // A new decision is fresh again; clear() forgets everything.
  reuse.store(0, 5, patterns);
  CHECK(reuse.reusable(0, 6, 2, 5) != nullptr);
  reuse.clear();
  CHECK(reuse.latest(0) == nullptr);
}

TEST_CASE("interval 1 never reuses across steps and interval 0 is refused", "[reuse]") {
  PatternReuse every(1);
  every.store(2, 8, at::ones({1, 3}, at::kLong));
  CHECK(every.reusable(2, 8, 1, 3) != nullptr);  // the same step
  CHECK(every.reusable(2, 9, 1, 3) == nullptr);
  CHECK_THROWS_WITH(PatternReuse(0), Catch::Contains("interval 0 must be at least 1 step"));
}

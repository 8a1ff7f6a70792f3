#include "core/error.h"
#include "eval/feature_consistency.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::feature_consistency;

TEST_CASE("feature consistency follows VBench's formula, by hand", "[eval][consistency]") {
  // f0 = (1, 0), f1 = (1, 1) (cos 1/sqrt2 to both), f2 = (0, 2) (cos 1/sqrt2 to f1, 0 to f0).
  // Frame 1: (1/sqrt2 + 1/sqrt2) / 2; frame 2: (1/sqrt2 + 0) / 2; mean of the two.
  double r = 1.0 / std::sqrt(2.0);
  CHECK(feature_consistency({{1, 0}, {1, 1}, {0, 2}}) == Approx((r + r / 2) / 2).margin(1e-12));
  // Negative cosines count as 0: f1 = -f0 gives (0 + 0) / 2.
  CHECK(feature_consistency({{1, 2, 3}, {-1, -2, -3}}) == 0.0);
  // Identical directions of any length give 1; a zero vector gives 0 cosines.
  CHECK(feature_consistency({{1, 1}, {3, 3}, {0.5, 0.5}}) == Approx(1.0).margin(1e-12));
  CHECK(feature_consistency({{1, 1}, {0, 0}}) == 0.0);
}

TEST_CASE("feature consistency checks its input", "[eval][consistency]") {
  CHECK_THROWS_WITH(feature_consistency({{1, 0}}), Catch::Contains("at least 2 frames"));
  CHECK_THROWS_WITH(feature_consistency({{1, 0}, {1, 0, 0}}), Catch::Contains("frame 1 has 3 features, frame 0 has 2"));
  CHECK_THROWS_WITH(feature_consistency({{}, {}}), Catch::Contains("empty feature vector"));
}

TEST_CASE("a feature-consistency metric needs an extractor", "[eval][consistency]") {
  CHECK_THROWS_WITH(astraea::eval::make_feature_consistency_metric("subject_consistency", nullptr),
                    Catch::Contains("subject_consistency: a feature-consistency metric needs an extractor"));
}

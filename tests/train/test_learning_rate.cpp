// The warm-up + cosine schedule at hand-worked points.
#include "support/catch.h"
#include "train/learning_rate.h"

using astraea::train::LearningRateSchedule;

TEST_CASE("the learning rate warms up linearly, then decays by a cosine to the floor", "[train][learning_rate]") {
  const LearningRateSchedule s{1.0, 10, 111, 0.1};
  CHECK(s.at(0) == Approx(0.1));   // (0 + 1) / 10
  CHECK(s.at(9) == Approx(1.0));
  CHECK(s.at(10) == Approx(1.0));  // cosine start
  CHECK(s.at(60) == Approx(0.55)); // half way: floor + (1 - floor) / 2
  CHECK(s.at(110) == Approx(0.1));
  CHECK(s.at(500) == Approx(0.1));
  for (int step = 10; step < 110; ++step) CHECK(s.at(step + 1) <= s.at(step));
}

#include "consistency_checks.h"
#include "eval/metrics.h"
#include "support/catch.h"

using astraea::eval::testing::check_noise_scores_low;
using astraea::eval::testing::check_static_video_scores_one;
using astraea::eval::testing::check_uses_given_extractor;
using astraea::eval::testing::ConsistencyMetric;

namespace {

ConsistencyMetric background_metric() {
  return {"background_consistency", [](const astraea::eval::VideoView& video) { return astraea::eval::background_consistency(video); },
          astraea::eval::make_background_consistency_metric};
}

}  // namespace

TEST_CASE("background consistency of a static video is 1", "[eval][consistency]") {
  check_static_video_scores_one(background_metric());
}

TEST_CASE("background consistency of independent noise frames is low", "[eval][consistency]") {
  check_noise_scores_low(background_metric());
}

TEST_CASE("background consistency uses the extractor it is given", "[eval][consistency]") {
  check_uses_given_extractor(background_metric());
}

#include "core/error.h"
#include "eval/metrics.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::mse;
using astraea::eval::Video;
using astraea::eval::testing::constant_video;
using astraea::eval::testing::kMseTolerance;
using astraea::eval::testing::load_fixture;
using astraea::eval::testing::pattern_video;

TEST_CASE("mse agrees with numpy on the fixture videos", "[eval][mse]") {
  for (const auto& fixture_case : load_fixture()) {
    for (const auto& output : fixture_case.outputs) {
      INFO(fixture_case.name << " / " << output.name);
      CHECK(std::abs(mse(output.video, fixture_case.reference) - output.expected.at("mse").get<double>()) <=
            kMseTolerance);
    }
  }
}

TEST_CASE("mse of hand-worked videos", "[eval][mse]") {
  Video video = pattern_video(2, 3, 4, 2);
  CHECK(mse(video, video) == 0.0);
  // Half the samples off by 0.5, the rest equal: 0.25 / 2.
  Video reference = constant_video(2, 2, 2, 1, 0.5F);
  Video output = reference;
  output.at(0, 0, 0, 0) = 1.0F;
  output.at(0, 1, 1, 0) = 0.0F;
  output.at(1, 0, 1, 0) = 0.0F;
  output.at(1, 1, 0, 0) = 1.0F;
  CHECK(mse(output, reference) == 0.125);
}

TEST_CASE("mse rejects mismatched shapes", "[eval][mse]") {
  Video a = pattern_video(1, 4, 4, 1);
  Video b = pattern_video(1, 5, 4, 1);
  CHECK_THROWS_WITH(mse(a, b), Catch::Contains("mse: ") && Catch::Contains("height 4 vs 5"));
}

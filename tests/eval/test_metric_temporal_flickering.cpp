#include "core/error.h"
#include "eval/metrics.h"
#include "eval/registry.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::make_metric;
using astraea::eval::temporal_flickering;
using astraea::eval::Video;
using astraea::eval::VideoView;
using astraea::eval::testing::constant_video;
using astraea::eval::testing::kFlickeringTolerance;
using astraea::eval::testing::load_fixture;
using astraea::eval::testing::pattern_video;

TEST_CASE("temporal flickering agrees with numpy on the fixture videos", "[eval][flickering]") {
  for (const auto& fixture_case : load_fixture()) {
    INFO(fixture_case.name);
    CHECK(std::abs(temporal_flickering(fixture_case.reference) - fixture_case.reference_temporal_flickering) <=
          kFlickeringTolerance);
    for (const auto& output : fixture_case.outputs) {
      INFO(output.name);
      double expected = output.expected.at("temporal_flickering").get<double>();
      CHECK(std::abs(temporal_flickering(output.video) - expected) <= kFlickeringTolerance);
    }
  }
}

TEST_CASE("temporal flickering of alternating black and white frames is 0", "[eval][flickering]") {
  Video video(4, 3, 5, 3);
  for (int t = 1; t < video.frames(); t += 2) {
    for (int y = 0; y < video.height(); ++y) {
      for (int x = 0; x < video.width(); ++x) {
        for (int c = 0; c < video.channels(); ++c) {
          video.at(t, y, x, c) = 1.0F;
        }
      }
    }
  }
  CHECK(temporal_flickering(video) == 0.0);
}

TEST_CASE("temporal flickering of a static video is 1", "[eval][flickering]") {
  Video video = pattern_video(1, 6, 7, 3);
  Video repeated(5, 6, 7, 3);
  for (int t = 0; t < repeated.frames(); ++t) {
    for (int y = 0; y < 6; ++y) {
      for (int x = 0; x < 7; ++x) {
        for (int c = 0; c < 3; ++c) {
          repeated.at(t, y, x, c) = video.at(0, y, x, c);
        }
      }
    }
  }
  CHECK(temporal_flickering(repeated) == 1.0);
}

TEST_CASE("temporal flickering averages over consecutive pairs", "[eval][flickering]") {
  // Frames 0, 0.2, 0.2: pair differences 51 and 0 in [0, 255] units, mean 25.5, score 229.5 / 255.
  Video video = constant_video(3, 2, 2, 1, 0.2F);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) {
      video.at(0, y, x, 0) = 0.0F;
    }
  }
  CHECK(temporal_flickering(video) == Approx(0.9).epsilon(0).margin(1e-7));
}

TEST_CASE("temporal flickering needs two frames and ignores the reference", "[eval][flickering]") {
  Video single = pattern_video(1, 4, 4, 1);
  CHECK_THROWS_WITH(temporal_flickering(single), Catch::Contains("temporal_flickering: needs at least 2 frames"));
  auto metric = make_metric("temporal_flickering");
  CHECK_FALSE(metric->needs_reference());
  CHECK(metric->higher_is_better());
  Video video = pattern_video(3, 4, 4, 1);
  Video other_shape = pattern_video(1, 2, 2, 2);
  CHECK(metric->evaluate(video, VideoView{}) == temporal_flickering(video));
  CHECK(metric->evaluate(video, other_shape) == temporal_flickering(video));
}

#include "core/error.h"
#include "eval/frame_interpolation.h"
#include "eval/metrics.h"
#include "eval/registry.h"
#include "eval_fixtures.h"
#include "support/catch.h"
#include "synthetic_videos.h"

#include <cmath>

using astraea::eval::interpolate_midpoint;
using astraea::eval::make_metric;
using astraea::eval::motion_smoothness;
using astraea::eval::Video;
using astraea::eval::VideoView;
using astraea::eval::testing::constant_video;
using astraea::eval::testing::noise_video;
using astraea::eval::testing::translating_video;

TEST_CASE("motion smoothness of a constant-velocity translation is about 1", "[eval][smoothness]") {
  // Linear motion is exactly what the midpoint model assumes; what is left is flow error and
  // bilinear resampling, a fraction of a grey level.
  Video video = translating_video(7, 37, 45, 0.6, 1.4);
  double score = motion_smoothness(video);
  CHECK(score > 0.995);
  CHECK(score <= 1.0);
}

TEST_CASE("the flow-warped midpoint of a translation is the real middle frame", "[eval][smoothness]") {
  Video video = translating_video(3, 37, 45, -1.0, 2.0);
  std::vector<float> midpoint = interpolate_midpoint(video, 0, 2);
  const float* real = video.view().frame(1);
  double worst = 0.0;
  for (int y = 4; y < 33; ++y) {
    for (int x = 5; x < 40; ++x) {
      for (int c = 0; c < 3; ++c) {
        std::size_t i = (static_cast<std::size_t>(y) * 45 + x) * 3 + c;
        worst = std::max(worst, static_cast<double>(std::abs(midpoint[i] - real[i])));
      }
    }
  }
  CHECK(worst < 0.01);
}

TEST_CASE("motion smoothness of a static video is exactly 1", "[eval][smoothness]") {
  Video video = translating_video(5, 20, 24, 0.0, 0.0);
  CHECK(motion_smoothness(video) == 1.0);
}

TEST_CASE("motion smoothness compares midpoints with the odd frames, by hand", "[eval][smoothness]") {
  // Frames 0 and 2 are black and frame 1 white: any midpoint of two black frames is black, so
  // the odd frame differs by 255 everywhere and the score is 0. Frame 3 (even count) has no
  // partner and is ignored.
  Video video = constant_video(4, 9, 10, 3, 0.0F);
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 10; ++x) {
      for (int c = 0; c < 3; ++c) {
        video.at(1, y, x, c) = 1.0F;
        video.at(3, y, x, c) = 1.0F;
      }
    }
  }
  CHECK(motion_smoothness(video) == 0.0);
  // A flat frame 1 at 0.2 between black frames: difference 51 of 255.
  Video dim = constant_video(3, 9, 10, 1, 0.0F);
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 10; ++x) {
      dim.at(1, y, x, 0) = 0.2F;
    }
  }
  CHECK(motion_smoothness(dim) == Approx(0.8).margin(1e-7));
}

TEST_CASE("motion smoothness ranks jerky and noisy motion below smooth motion", "[eval][smoothness]") {
  Video smooth = translating_video(7, 33, 40, 0.0, 1.5);
  Video jerky = smooth;
  // Odd frames jump 3 px ahead of where linear motion puts them.
  for (int t = 1; t < 7; t += 2) {
    for (int y = 0; y < 33; ++y) {
      for (int x = 0; x < 40; ++x) {
        for (int c = 0; c < 3; ++c) {
          jerky.at(t, y, x, c) = astraea::eval::testing::scene(y, x - t * 1.5 - 3.0, c);
        }
      }
    }
  }
  double smooth_score = motion_smoothness(smooth);
  CHECK(motion_smoothness(jerky) < smooth_score - 0.02);
  CHECK(motion_smoothness(noise_video(5, 24, 24, 3, 7)) < 0.8);
}

TEST_CASE("motion smoothness needs three frames and ignores the reference", "[eval][smoothness]") {
  Video two = translating_video(2, 12, 12, 0.0, 1.0);
  CHECK_THROWS_WITH(motion_smoothness(two), Catch::Contains("motion_smoothness: needs at least 3 frames"));
  auto metric = make_metric("motion_smoothness");
  CHECK_FALSE(metric->needs_reference());
  Video video = translating_video(5, 16, 18, 0.5, 0.5);
  CHECK(metric->evaluate(video, VideoView{}) == motion_smoothness(video));
}

#include "core/error.h"
#include "eval/metrics.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::ssim;
using astraea::eval::ssim_frame;
using astraea::eval::Video;
using astraea::eval::testing::constant_video;
using astraea::eval::testing::kSsimTolerance;
using astraea::eval::testing::load_fixture;
using astraea::eval::testing::pattern_video;

TEST_CASE("ssim agrees with scikit-image on the fixture videos", "[eval][ssim]") {
  for (const auto& fixture_case : load_fixture()) {
    for (const auto& output : fixture_case.outputs) {
      INFO(fixture_case.name << " / " << output.name);
      CHECK(std::abs(ssim(output.video, fixture_case.reference) - output.expected.at("ssim").get<double>()) <=
            kSsimTolerance);
      const auto& frames = output.expected.at("ssim_frames");
      for (int t = 0; t < fixture_case.reference.frames(); ++t) {
        INFO("frame " << t);
        double expected = frames.at(static_cast<std::size_t>(t)).get<double>();
        CHECK(std::abs(ssim_frame(output.video, fixture_case.reference, t) - expected) <= kSsimTolerance);
      }
    }
  }
}

TEST_CASE("ssim of a video with itself is 1", "[eval][ssim]") {
  Video video = pattern_video(3, 13, 16, 3);
  CHECK(ssim(video, video) == Approx(1.0).epsilon(0).margin(1e-12));
}

TEST_CASE("ssim of two constant videos is the luminance term alone", "[eval][ssim]") {
  // No variance or covariance, so the structure term is C2 / C2 and SSIM = (2ab + C1) / (a^2 + b^2 + C1).
  constexpr double kA = 0.5;
  constexpr double kB = 0.25;
  constexpr double kC1 = astraea::eval::kSsimK1 * astraea::eval::kSsimK1;
  Video output = constant_video(2, 12, 15, 2, static_cast<float>(kA));
  Video reference = constant_video(2, 12, 15, 2, static_cast<float>(kB));
  double expected = (2 * kA * kB + kC1) / (kA * kA + kB * kB + kC1);
  CHECK(ssim(output, reference) == Approx(expected).epsilon(0).margin(1e-12));
}

TEST_CASE("ssim is symmetric and below 1 for different videos", "[eval][ssim]") {
  Video first = pattern_video(2, 14, 12, 1);
  Video second = first;
  for (float& sample : second.samples()) {
    sample = sample * 0.8F + 0.1F;
  }
  double forward = ssim(first, second);
  CHECK(forward < 1.0);
  CHECK(forward == Approx(ssim(second, first)).epsilon(0).margin(1e-12));
}

TEST_CASE("ssim rejects frames smaller than the window and mismatched shapes", "[eval][ssim]") {
  Video narrow = pattern_video(1, 20, 10, 1);
  CHECK_THROWS_WITH(ssim(narrow, narrow), Catch::Contains("ssim: frames must be at least 11x11") &&
                                              Catch::Contains("got 20x10"));
  Video a = pattern_video(2, 12, 12, 3);
  Video b = pattern_video(2, 12, 12, 1);
  CHECK_THROWS_WITH(ssim(a, b), Catch::Contains("ssim: ") && Catch::Contains("channels 3 vs 1"));
  CHECK_THROWS_WITH(ssim_frame(a, a, 2), Catch::Contains("frame 2 is out of range"));
}

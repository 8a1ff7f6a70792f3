#include "core/error.h"
#include "eval/metrics.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::psnr;
using astraea::eval::psnr_frame;
using astraea::eval::Video;
using astraea::eval::testing::constant_video;
using astraea::eval::testing::kPsnrToleranceDb;
using astraea::eval::testing::load_fixture;
using astraea::eval::testing::pattern_video;

TEST_CASE("psnr agrees with the reference computation on the fixture videos", "[eval][psnr]") {
  for (const auto& fixture_case : load_fixture()) {
    for (const auto& output : fixture_case.outputs) {
      INFO(fixture_case.name << " / " << output.name);
      CHECK(std::abs(psnr(output.video, fixture_case.reference) - output.expected.at("psnr").get<double>()) <=
            kPsnrToleranceDb);
      const auto& frames = output.expected.at("psnr_frames");
      for (int t = 0; t < fixture_case.reference.frames(); ++t) {
        INFO("frame " << t);
        double expected = frames.at(static_cast<std::size_t>(t)).get<double>();
        CHECK(std::abs(psnr_frame(output.video, fixture_case.reference, t) - expected) <= kPsnrToleranceDb);
      }
    }
  }
}

TEST_CASE("psnr of a video with itself is 100 dB", "[eval][psnr]") {
  Video video = pattern_video(3, 5, 7, 3);
  CHECK(psnr(video, video) == 100.0);
  CHECK(psnr_frame(video, video, 1) == 100.0);
}

TEST_CASE("psnr of a constant offset of 0.1 is 20 dB", "[eval][psnr]") {
  // MSE = 0.01, so 20 log10(1 / 0.1) = 20; the only error is 0.1 rounded to float.
  Video reference = constant_video(2, 4, 6, 3, 0.0F);
  Video output = constant_video(2, 4, 6, 3, 0.1F);
  CHECK(psnr(output, reference) == Approx(20.0).epsilon(0).margin(1e-6));
}

TEST_CASE("psnr averages frames instead of pooling their errors", "[eval][psnr]") {
  // Frame 0 is identical (100 dB), frame 1 is off by 0.5 everywhere (20 log10(2) dB).
  Video reference = constant_video(2, 3, 3, 1, 0.25F);
  Video output = reference;
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      output.at(1, y, x, 0) = 0.75F;
    }
  }
  double expected = (100.0 + 20.0 * std::log10(2.0)) / 2.0;
  CHECK(psnr(output, reference) == Approx(expected).epsilon(0).margin(1e-12));
}

TEST_CASE("psnr rejects mismatched shapes and bad frame indices", "[eval][psnr]") {
  Video a = pattern_video(2, 4, 5, 3);
  Video b = pattern_video(3, 4, 6, 3);
  CHECK_THROWS_WITH(psnr(a, b), Catch::Contains("psnr: ") && Catch::Contains("frames 2 vs 3") &&
                                    Catch::Contains("width 5 vs 6"));
  CHECK_THROWS_WITH(psnr_frame(a, a, -1), Catch::Contains("frame -1 is out of range"));
}

#include "core/error.h"
#include "eval/imaging_quality.h"
#include "eval/metrics.h"
#include "eval/registry.h"
#include "support/catch.h"
#include "synthetic_videos.h"

#include <cmath>
#include <numbers>
#include <random>

using astraea::eval::imaging_quality;
using astraea::eval::imaging_quality_parts;
using astraea::eval::laplacian_std;
using astraea::eval::noise_sigma;
using astraea::eval::Plane;
using astraea::eval::Video;
using astraea::eval::testing::translating_video;

namespace {

Plane gaussian_noise(int height, int width, double sigma, double mean, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(mean, sigma);
  Plane plane(height, width);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      plane(y, x) = static_cast<float>(normal(rng));
    }
  }
  return plane;
}

}  // namespace

TEST_CASE("the noise estimate recovers the sigma of white Gaussian noise", "[eval][imaging]") {
  for (double sigma : {0.01, 0.05}) {
    INFO("sigma " << sigma);
    // 250 x 250 samples: the estimator's relative spread is well under 2%.
    CHECK(noise_sigma(gaussian_noise(250, 250, sigma, 0.5, 5)) == Approx(sigma).epsilon(0.03));
  }
  Plane flat = Plane::Constant(20, 20, 0.3F);
  CHECK(noise_sigma(flat) == 0.0);
}

TEST_CASE("the Laplacian's spread matches its closed form on a sinusoid", "[eval][imaging]") {
  // I = 0.5 + A sin(w x): the discrete Laplacian is 2 (cos w - 1) A sin(w x), whose standard
  // deviation over whole periods is |2 (cos w - 1)| A / sqrt 2.
  constexpr double kAmplitude = 0.2;
  constexpr int kPeriod = 16;
  constexpr double kOmega = 2.0 * std::numbers::pi / kPeriod;
  Plane plane(10, kPeriod * 8 + 2);
  for (int y = 0; y < plane.rows(); ++y) {
    for (int x = 0; x < plane.cols(); ++x) {
      plane(y, x) = static_cast<float>(0.5 + kAmplitude * std::sin(kOmega * (x - 1)));
    }
  }
  double expected = std::abs(2.0 * (std::cos(kOmega) - 1.0)) * kAmplitude / std::sqrt(2.0);
  CHECK(laplacian_std(plane) == Approx(expected).epsilon(1e-4));
}

TEST_CASE("imaging quality prefers sharp and clean frames", "[eval][imaging]") {
  Video sharp = translating_video(2, 48, 52, 0.0, 0.0);
  Video blurred = sharp;
  Video noisy = sharp;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0F, 0.04F);
  for (int t = 0; t < 2; ++t) {
    for (int y = 0; y < 48; ++y) {
      for (int x = 0; x < 52; ++x) {
        for (int c = 0; c < 3; ++c) {
          // A 3-tap horizontal box blur, clamped at the edges.
          float left = sharp.at(t, y, std::max(x - 1, 0), c);
          float right = sharp.at(t, y, std::min(x + 1, 51), c);
          blurred.at(t, y, x, c) = (left + sharp.at(t, y, x, c) + right) / 3.0F;
          noisy.at(t, y, x, c) = std::clamp(sharp.at(t, y, x, c) + normal(rng), 0.0F, 1.0F);
        }
      }
    }
  }
  double sharp_score = imaging_quality(sharp);
  CHECK(sharp_score > 0.0);
  CHECK(sharp_score < 1.0);
  CHECK(imaging_quality(blurred) < sharp_score);
  CHECK(imaging_quality(noisy) < sharp_score);
  Video flat(2, 16, 16, 3);
  CHECK(imaging_quality(flat) == 0.0);
}

TEST_CASE("imaging quality parts combine as documented", "[eval][imaging]") {
  Plane plane = gaussian_noise(40, 40, 0.02, 0.5, 9);
  auto parts = imaging_quality_parts(plane);
  double laplacian = laplacian_std(plane);
  double detail = std::sqrt(std::max(0.0, laplacian * laplacian - 20.0 * parts.noise_sigma * parts.noise_sigma));
  CHECK(parts.detail == Approx(detail));
  CHECK(parts.score == Approx((1.0 - std::exp(-detail / 0.05)) * std::exp(-parts.noise_sigma / 0.05)));
  CHECK_THROWS_WITH(noise_sigma(Plane::Zero(2, 5)), Catch::Contains("imaging_quality: needs frames of at least 3x3"));
  CHECK_FALSE(astraea::eval::make_metric("imaging_quality")->needs_reference());
}

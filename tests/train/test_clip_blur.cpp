// The checker's blur augmentation against hand-worked Gaussian weights.
#include <ATen/ATen.h>

#include "support/catch.h"
#include "train/clip_blur.h"

#include <cmath>

using namespace astraea;

TEST_CASE("blur_clips spreads an impulse by the clip's normalised 5-tap Gaussian", "[train][blur]") {
  auto clips = at::zeros({2, 1, 1, 9, 9});
  clips.index_put_({at::indexing::Slice(), 0, 0, 4, 4}, 1.0);
  const auto blurred = train::blur_clips(clips, at::tensor({1.0f, 0.0f}));
  // sigma 1: taps exp(-x^2 / 2) for x = -2..2, normalised; the 2-D kernel is their outer product.
  const double e1 = std::exp(-0.5), e2 = std::exp(-2.0), norm = 1 + 2 * e1 + 2 * e2;
  const double centre = 1 / norm, one = e1 / norm, two = e2 / norm;
  CHECK(blurred[0][0][0][4][4].item<double>() == Approx(centre * centre).epsilon(1e-5));
  CHECK(blurred[0][0][0][4][5].item<double>() == Approx(centre * one).epsilon(1e-5));
  CHECK(blurred[0][0][0][2][3].item<double>() == Approx(two * one).epsilon(1e-5));
  CHECK(blurred[0][0][0][1][4].item<double>() == 0.0);  // outside the radius
  CHECK(blurred[0].sum().item<double>() == Approx(1.0).epsilon(1e-6));
  // sigma 0 leaves the clip unchanged.
  CHECK(at::allclose(blurred[1], clips[1]));
}

TEST_CASE("blur_clips keeps uniform rows uniform up to the edges", "[train][blur]") {
  // A striped background: each row one level. Replicated edges keep it, whatever the sigma, along
  // the rows; across them only the band edges soften.
  const auto rows = at::arange(8, at::kFloat).view({1, 1, 1, 8, 1}).expand({1, 2, 3, 8, 8}).contiguous() / 8;
  const auto blurred = train::blur_clips(rows, at::tensor({0.8f}));
  CHECK(at::allclose(blurred.select(4, 0), blurred.select(4, 7)));
  CHECK(at::allclose(blurred.select(4, 3), blurred.select(4, 0)));
  // A linear ramp is kept away from the top and bottom edges (a symmetric kernel).
  CHECK(at::allclose(blurred.slice(3, 2, 6), rows.slice(3, 2, 6), 1e-5, 1e-6));
  REQUIRE_THROWS(train::blur_clips(rows, at::tensor({0.5f, 0.5f})));
}

TEST_CASE("blur_clips blurs each clip with its own sigma, every frame and channel alike", "[train][blur]") {
  // Two clips of 2 frames x 3 channels, an impulse in each plane: clip 0 at sigma 1, clip 1 unblurred.
  auto clips = at::zeros({2, 2, 3, 7, 7});
  clips.index_put_({at::indexing::Slice(), at::indexing::Slice(), at::indexing::Slice(), 3, 3}, 1.0);
  const auto blurred = train::blur_clips(clips, at::tensor({1.0f, 0.0f}));
  const double e1 = std::exp(-0.5), e2 = std::exp(-2.0), centre = 1 / (1 + 2 * e1 + 2 * e2);
  for (int f = 0; f < 2; ++f) {
    for (int c = 0; c < 3; ++c) {
      INFO("frame " << f << ", channel " << c);
      CHECK(blurred[0][f][c][3][3].item<double>() == Approx(centre * centre).epsilon(1e-5));
      CHECK(at::equal(blurred[1][f][c], clips[1][f][c]));
    }
  }
}

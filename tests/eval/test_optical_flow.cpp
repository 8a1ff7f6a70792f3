#include "core/error.h"
#include "eval/optical_flow.h"
#include "eval/plane.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::dense_flow;
using astraea::eval::FlowField;
using astraea::eval::Plane;
using astraea::eval::warp_plane;

namespace {

// Smooth texture with structure in every direction (wavelengths 9 to 23 px), sampled with its
// origin moved by (dy, dx): texture(y, x) of the shifted plane is texture(y - dy, x - dx).
float texture(double y, double x) {
  return static_cast<float>(0.5 + 0.15 * std::sin(0.31 * x + 0.17 * y) + 0.12 * std::cos(0.23 * y - 0.41 * x + 1.0) +
                            0.1 * std::sin(0.27 * x * 0.7 + 0.69 * y * 0.5 + 2.0));
}

Plane shifted_texture(int height, int width, double dy, double dx) {
  Plane plane(height, width);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      plane(y, x) = texture(y - dy, x - dx);
    }
  }
  return plane;
}

}  // namespace

TEST_CASE("optical flow recovers a known sub-pixel shift within 0.1 px", "[eval][flow]") {
  constexpr int kHeight = 47;
  constexpr int kWidth = 61;
  constexpr int kBorder = 6;  // samples whose match lies near or beyond the frame edge are left out
  constexpr double kTolerancePx = 0.1;
  for (auto [dy, dx] : {std::pair{-0.7, 1.3}, std::pair{2.4, -3.6}, std::pair{0.0, 0.0}}) {
    INFO("shift dy=" << dy << " dx=" << dx);
    Plane first = shifted_texture(kHeight, kWidth, 0.0, 0.0);
    Plane second = shifted_texture(kHeight, kWidth, dy, dx);
    FlowField flow = dense_flow(first, second);
    REQUIRE(flow.height() == kHeight);
    REQUIRE(flow.width() == kWidth);
    double worst = 0.0;
    for (int y = kBorder; y < kHeight - kBorder; ++y) {
      for (int x = kBorder; x < kWidth - kBorder; ++x) {
        worst = std::max(worst, std::abs(flow.u(y, x) - dx));
        worst = std::max(worst, std::abs(flow.v(y, x) - dy));
      }
    }
    CHECK(worst <= kTolerancePx);
  }
}

TEST_CASE("warping samples bilinearly, exact on a linear ramp", "[eval][flow]") {
  // A ramp a*y + b*x + c is reproduced exactly by bilinear sampling away from the clamped edges.
  constexpr int kHeight = 9;
  constexpr int kWidth = 11;
  Plane ramp(kHeight, kWidth);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      ramp(y, x) = 0.05F * static_cast<float>(y) + 0.03F * static_cast<float>(x) + 0.1F;
    }
  }
  FlowField flow{Plane::Constant(kHeight, kWidth, 1.25F), Plane::Constant(kHeight, kWidth, -0.5F)};
  Plane warped = warp_plane(ramp, flow, 2.0F);  // sample at (y - 1, x + 2.5)
  for (int y = 1; y < kHeight; ++y) {
    for (int x = 0; x + 3 < kWidth; ++x) {
      float expected = 0.05F * static_cast<float>(y - 1) + 0.03F * (static_cast<float>(x) + 2.5F) + 0.1F;
      CHECK(warped(y, x) == Approx(expected).margin(1e-6));
    }
  }
  // Clamped: row 0 samples row -1, which clamps to row 0.
  CHECK(warped(0, 0) == Approx(0.03F * 2.5F + 0.1F).margin(1e-6));
}

TEST_CASE("optical flow rejects planes of different shapes", "[eval][flow]") {
  CHECK_THROWS_WITH(dense_flow(Plane::Zero(4, 5), Plane::Zero(5, 4)), Catch::Contains("differ in shape"));
}

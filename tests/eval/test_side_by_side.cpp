#include "core/error.h"
#include "eval/side_by_side.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <cmath>

using astraea::eval::side_by_side;
using astraea::eval::SideBySideOptions;
using astraea::eval::Video;
using astraea::eval::testing::pattern_video;

TEST_CASE("side by side places dense, method and their absolute difference", "[eval][side_by_side]") {
  Video dense = pattern_video(2, 5, 7, 3);
  Video method = dense;
  for (float& sample : method.samples()) {
    sample *= 0.5F;
  }
  Video out = side_by_side(dense, method);
  constexpr int kSeparator = 4;
  REQUIRE(out.frames() == 2);
  REQUIRE(out.height() == 5);
  REQUIRE(out.width() == 3 * 7 + 2 * kSeparator);
  REQUIRE(out.channels() == 3);
  for (int t = 0; t < 2; ++t) {
    for (int y = 0; y < 5; ++y) {
      for (int c = 0; c < 3; ++c) {
        for (int x = 0; x < 7; ++x) {
          CHECK(out.at(t, y, x, c) == dense.at(t, y, x, c));
          CHECK(out.at(t, y, 7 + kSeparator + x, c) == method.at(t, y, x, c));
          CHECK(out.at(t, y, 2 * (7 + kSeparator) + x, c) == std::abs(dense.at(t, y, x, c) - method.at(t, y, x, c)));
        }
        for (int s = 0; s < kSeparator; ++s) {
          CHECK(out.at(t, y, 7 + s, c) == 1.0F);
          CHECK(out.at(t, y, 2 * 7 + kSeparator + s, c) == 1.0F);
        }
      }
    }
  }
}

TEST_CASE("side by side amplifies the difference when asked, clamped to 1", "[eval][side_by_side]") {
  Video dense(1, 1, 2, 1);
  Video method(1, 1, 2, 1);
  dense.at(0, 0, 0, 0) = 0.3F;
  dense.at(0, 0, 1, 0) = 0.9F;
  SideBySideOptions options;
  options.separator = 0;
  options.difference_gain = 2.0F;
  Video out = side_by_side(dense, method, options);
  REQUIRE(out.width() == 6);
  CHECK(out.at(0, 0, 4, 0) == Approx(0.6F));
  CHECK(out.at(0, 0, 5, 0) == 1.0F);
  Video other = pattern_video(1, 2, 2, 1);
  CHECK_THROWS_WITH(side_by_side(dense, other), Catch::Contains("side by side") && Catch::Contains("differ in shape"));
}

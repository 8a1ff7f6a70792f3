// Rendering: hand-worked squares (exact coverage counts and colours), backgrounds by their
// stated formulas, each shape's area and centroid against its closed form as it moves.
#include "core/error.h"
#include "data/background.h"
#include "data/render.h"
#include "support/catch.h"

#include <cmath>
#include <numbers>
#include <vector>

using namespace astraea::data;

namespace {

WorldOptions small_world(int frames, int height, int width) {
  WorldOptions options;
  options.frames = frames;
  options.height = height;
  options.width = width;
  return options;
}

SceneSpec scene_of(Shape shape, Colour colour, Direction direction, Background background, double x, double y, double size,
                   double step) {
  SceneSpec scene;
  scene.labels = {shape, colour, direction, Speed::kSlow, background};
  scene.placement = {x, y, size, step};
  return scene;
}

bool pixel_is(const Clip& clip, int t, int y, int x, const Rgb& rgb) {
  return clip.at(t, y, x, 0) == rgb[0] && clip.at(t, y, x, 1) == rgb[1] && clip.at(t, y, x, 2) == rgb[2];
}

Rgb grey(float level) { return {level, level, level}; }

}  // namespace

TEST_CASE("a pixel-aligned square covers exactly its pixels as it moves", "[data][render]") {
  // Side 6 centred at (7, 9): columns 4..9, rows 6..11 at frame 0; 2 px right per frame.
  const WorldOptions options = small_world(3, 20, 24);
  const SceneSpec scene = scene_of(Shape::kSquare, Colour::kRed, Direction::kRight, Background::kBlack, 7.0, 9.0, 6.0, 2.0);
  const Clip clip = render_scene(scene, options);
  REQUIRE(clip.frames == 3);
  REQUIRE(clip.height == 20);
  REQUIRE(clip.width == 24);
  REQUIRE(clip.channels == 3);
  REQUIRE(clip.samples.size() == 3u * 20 * 24 * 3);

  const Rgb red = rgb(Colour::kRed);
  const Rgb black = grey(kBlackLevel);
  for (int t = 0; t < 3; ++t) {
    int red_pixels = 0;
    for (int y = 0; y < 20; ++y) {
      for (int x = 0; x < 24; ++x) {
        const bool inside = y >= 6 && y <= 11 && x >= 4 + 2 * t && x <= 9 + 2 * t;
        CHECK(pixel_is(clip, t, y, x, inside ? red : black));
        red_pixels += pixel_is(clip, t, y, x, red) ? 1 : 0;
      }
    }
    CHECK(red_pixels == 36);
  }
  CHECK(pixel_is(clip, 0, 6, 4, red));
  CHECK(pixel_is(clip, 0, 6, 10, black));
  CHECK(pixel_is(clip, 2, 11, 13, red));
  CHECK(pixel_is(clip, 2, 11, 14, black));
  CHECK(pixel_is(clip, 2, 12, 13, black));
}

TEST_CASE("a square on a half-pixel boundary half covers its edge pixels", "[data][render]") {
  // Side 6 centred at (7.5, 9): x in [4.5, 10.5), so columns 4 and 10 are half covered.
  const WorldOptions options = small_world(2, 20, 24);
  const SceneSpec scene = scene_of(Shape::kSquare, Colour::kBlue, Direction::kUp, Background::kGray, 7.5, 9.0, 6.0, 0.0);
  const Clip clip = render_scene(scene, options);
  const Rgb blue = rgb(Colour::kBlue);
  for (int c = 0; c < 3; ++c) {
    const float half = 0.5F * kGrayLevel + 0.5F * blue[static_cast<std::size_t>(c)];
    CHECK(clip.at(0, 8, 4, c) == Approx(half).margin(1e-6));
    CHECK(clip.at(0, 8, 10, c) == Approx(half).margin(1e-6));
    CHECK(clip.at(0, 8, 5, c) == blue[static_cast<std::size_t>(c)]);
    CHECK(clip.at(0, 8, 3, c) == kGrayLevel);
  }
  // One sample per pixel, the pixel's centre: centred at 7.4, x in [4.4, 10.4] takes the
  // centres 4.5 .. 9.5, so columns 4..9 are all blue and columns 3 and 10 all grey.
  WorldOptions hard = options;
  hard.coverage_samples = 1;
  SceneSpec shifted = scene;
  shifted.placement.centre_x = 7.4;
  const Clip aliased = render_scene(shifted, hard);
  for (int x = 0; x < 24; ++x) CHECK(pixel_is(aliased, 0, 8, x, x >= 4 && x <= 9 ? blue : grey(kGrayLevel)));
}

TEST_CASE("every background matches its formula away from the object", "[data][render]") {
  const WorldOptions options = small_world(2, 24, 20);
  for (const Background background :
       {Background::kBlack, Background::kWhite, Background::kGray, Background::kStriped, Background::kGradient}) {
    // Object in the top-left corner: rows and columns from 8 on are background only.
    const SceneSpec scene = scene_of(Shape::kCircle, Colour::kYellow, Direction::kDown, background, 3.0, 3.0, 6.0, 1.0);
    const Clip clip = render_scene(scene, options);
    for (int y = 8; y < 24; ++y) {
      float expected = 0.0F;
      switch (background) {
        case Background::kBlack: expected = 0.05F; break;
        case Background::kWhite: expected = 0.95F; break;
        case Background::kGray: expected = 0.50F; break;
        case Background::kStriped: expected = (y / 3) % 2 == 0 ? 0.30F : 0.55F; break;  // 8 bands of 3 rows
        case Background::kGradient: expected = static_cast<float>(0.10 + 0.70 * (y + 0.5) / 24.0); break;
      }
      for (int x = 8; x < 20; ++x) {
        for (int c = 0; c < 3; ++c) CHECK(clip.at(1, y, x, c) == Approx(expected).margin(1e-6));
      }
    }
  }
}

TEST_CASE("each shape's coverage has its closed-form area and centroid, moving at its speed", "[data][render]") {
  // Half side h = 5; a speed off the sample grid (1.3 px/frame), so edges fall between samples.
  constexpr double kHalf = 5.0;
  constexpr double kStep = 1.3;
  struct Expected {
    Shape shape;
    double area;
    double centroid_dy;  // centroid below the box centre
  };
  const std::vector<Expected> shapes = {
      {Shape::kSquare, 4 * kHalf * kHalf, 0.0},
      {Shape::kCircle, std::numbers::pi * kHalf * kHalf, 0.0},
      {Shape::kTriangle, 2 * kHalf * kHalf, kHalf / 3},
      {Shape::kDiamond, 2 * kHalf * kHalf, 0.0},
      {Shape::kCross, 20 * kHalf * kHalf / 9, 0.0},
  };
  const WorldOptions options = small_world(8, 32, 40);
  const Rgb red = rgb(Colour::kRed);
  for (const Expected& expected : shapes) {
    for (const Direction direction : {Direction::kLeft, Direction::kRight, Direction::kUp, Direction::kDown}) {
      const double start_x = direction == Direction::kLeft ? 30.2 : 9.7;
      const double start_y = direction == Direction::kUp ? 25.4 : 6.6;
      const SceneSpec scene =
          scene_of(expected.shape, Colour::kRed, direction, Background::kBlack, start_x, start_y, 2 * kHalf, kStep);
      const Clip clip = render_scene(scene, options);
      for (int t = 0; t < 8; ++t) {
        // Coverage from the red channel: (pixel - background) / (red - background).
        double mass = 0.0, sum_x = 0.0, sum_y = 0.0;
        for (int y = 0; y < 32; ++y) {
          for (int x = 0; x < 40; ++x) {
            const double coverage = (clip.at(t, y, x, 0) - kBlackLevel) / (red[0] - kBlackLevel);
            mass += coverage;
            sum_x += coverage * (x + 0.5);
            sum_y += coverage * (y + 0.5);
          }
        }
        INFO("shape " << word(expected.shape) << ", direction " << word(direction) << ", frame " << t);
        CHECK(mass == Approx(expected.area).epsilon(0.03));
        const double dx = direction == Direction::kLeft ? -1.0 : direction == Direction::kRight ? 1.0 : 0.0;
        const double dy = direction == Direction::kUp ? -1.0 : direction == Direction::kDown ? 1.0 : 0.0;
        CHECK(sum_x / mass == Approx(start_x + dx * kStep * t).margin(0.15));
        CHECK(sum_y / mass == Approx(start_y + expected.centroid_dy + dy * kStep * t).margin(0.15));
      }
    }
  }
}

TEST_CASE("centre_at moves the start by speed times t along the direction", "[data][render]") {
  const SceneSpec scene = scene_of(Shape::kSquare, Colour::kRed, Direction::kUp, Background::kBlack, 10.0, 20.0, 4.0, 1.5);
  CHECK(centre_at(scene, 0).x == 10.0);
  CHECK(centre_at(scene, 0).y == 20.0);
  CHECK(centre_at(scene, 4).x == 10.0);
  CHECK(centre_at(scene, 4).y == 14.0);
}

TEST_CASE("an object outside the frame leaves only background", "[data][render]") {
  const WorldOptions options = small_world(2, 16, 16);
  const SceneSpec scene = scene_of(Shape::kCross, Colour::kGreen, Direction::kLeft, Background::kWhite, -1e12, 8.0, 6.0, 1.0);
  const Clip clip = render_scene(scene, options);
  for (const float sample : clip.samples) CHECK(sample == kWhiteLevel);
}

TEST_CASE("render_scene rejects a bad placement and bad options", "[data][render]") {
  const WorldOptions options = small_world(2, 16, 16);
  SceneSpec scene = scene_of(Shape::kSquare, Colour::kRed, Direction::kLeft, Background::kBlack, 8.0, 8.0, 0.0, 1.0);
  CHECK_THROWS_WITH(render_scene(scene, options), Catch::Contains("size must be positive, got 0"));
  scene.placement.size = 4.0;
  scene.placement.pixels_per_frame = -1.0;
  CHECK_THROWS_WITH(render_scene(scene, options), Catch::Contains("pixels_per_frame must be non-negative"));
  scene.placement.pixels_per_frame = 1.0;
  CHECK_THROWS_WITH(render_scene(scene, small_world(1, 16, 16)), Catch::Contains("world.frames: expected at least 2, got 1"));
}

TEST_CASE("clips are laid out [T][H][W][C], channels fastest", "[data][render]") {
  const Clip clip = Clip::zeros(2, 3, 4, 3);
  CHECK(clip.samples.size() == 72);
  CHECK(clip.index(1, 2, 3, 2) == ((1 * 3 + 2) * 4 + 3) * 3 + 2);
  CHECK(clip.frame_size() == 36);
  CHECK_THROWS_AS(Clip::zeros(0, 3, 4, 3), astraea::Error);
}

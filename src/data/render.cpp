#include "data/render.h"

#include "core/error.h"
#include "data/background.h"
#include "data/shapes.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace astraea::data {
namespace {

// Coverage of pixel (x, y) by the shape centred at `centre`: the fraction of an n x n grid of
// sample points inside it.
float coverage(Shape shape, Point centre, double half_size, int x, int y, int n) {
  int inside = 0;
  for (int sy = 0; sy < n; ++sy) {
    const double py = y + (sy + 0.5) / n;
    for (int sx = 0; sx < n; ++sx) {
      const double px = x + (sx + 0.5) / n;
      if (shape_contains(shape, px - centre.x, py - centre.y, half_size)) ++inside;
    }
  }
  return static_cast<float>(inside) / static_cast<float>(n * n);
}

// `coordinate` as an index into [0, size), clamped first so a far-away object cannot overflow.
int clamped_index(double coordinate, int size) {
  return static_cast<int>(std::clamp(coordinate, 0.0, static_cast<double>(size - 1)));
}

void check_placement(const Placement& placement) {
  if (!(placement.size > 0.0)) fail("scene placement: size must be positive, got {}", placement.size);
  if (!(placement.pixels_per_frame >= 0.0)) {
    fail("scene placement: pixels_per_frame must be non-negative, got {}", placement.pixels_per_frame);
  }
  if (!std::isfinite(placement.centre_x) || !std::isfinite(placement.centre_y)) {
    fail("scene placement: the centre ({}, {}) is not finite", placement.centre_x, placement.centre_y);
  }
}

}  // namespace

Point unit_step(Direction direction) {
  switch (direction) {
    case Direction::kLeft:
      return {-1.0, 0.0};
    case Direction::kRight:
      return {1.0, 0.0};
    case Direction::kUp:
      return {0.0, -1.0};
    case Direction::kDown:
      return {0.0, 1.0};
  }
  fail("direction id {} is out of range [0, {})", static_cast<int>(direction), kDirectionCount);
}

Point centre_at(const SceneSpec& scene, int t) {
  const Point step = unit_step(scene.labels.direction);
  const double distance = t * scene.placement.pixels_per_frame;
  return {scene.placement.centre_x + distance * step.x, scene.placement.centre_y + distance * step.y};
}

void render_scene_into(const SceneSpec& scene, const WorldOptions& options, float* out) {
  validate(options);
  check_placement(scene.placement);
  const int height = options.height;
  const int width = options.width;
  const int n = options.coverage_samples;
  const Rgb colour = rgb(scene.labels.colour);
  const double half_size = scene.placement.size / 2.0;
  const std::size_t row_size = static_cast<std::size_t>(width) * kChannels;
  const std::size_t frame_size = row_size * height;

  for (int t = 0; t < options.frames; ++t) {
    float* frame = out + frame_size * t;
    for (int y = 0; y < height; ++y) {
      const float level = background_level(scene.labels.background, y, height);
      std::fill(frame + row_size * y, frame + row_size * (y + 1), level);
    }
    // Only pixels that meet the bounding box can be covered.
    const Point centre = centre_at(scene, t);
    const int x_first = clamped_index(std::floor(centre.x - half_size), width);
    const int x_last = clamped_index(std::ceil(centre.x + half_size), width);
    const int y_first = clamped_index(std::floor(centre.y - half_size), height);
    const int y_last = clamped_index(std::ceil(centre.y + half_size), height);
    for (int y = y_first; y <= y_last; ++y) {
      for (int x = x_first; x <= x_last; ++x) {
        const float covered = coverage(scene.labels.shape, centre, half_size, x, y, n);
        if (covered == 0.0F) continue;
        float* pixel = frame + row_size * y + static_cast<std::size_t>(x) * kChannels;
        for (int c = 0; c < kChannels; ++c) pixel[c] = pixel[c] * (1.0F - covered) + colour[c] * covered;
      }
    }
  }
}

Clip render_scene(const SceneSpec& scene, const WorldOptions& options) {
  validate(options);
  Clip clip = Clip::zeros(options.frames, options.height, options.width, kChannels);
  render_scene_into(scene, options, clip.samples.data());
  return clip;
}

}  // namespace astraea::data

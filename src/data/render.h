// Rendering one scene of the procedural world into a clip.
//
// Coordinates are in pixels, x to the right and y down; pixel (row y, column x) covers the
// square [x, x + 1) x [y, y + 1). A pixel's colour is the background's blended with the
// object's by the object's coverage of the pixel, the fraction of a coverage_samples x
// coverage_samples grid of points (at offsets (k + 0.5) / coverage_samples) that fall inside the
// shape: background * (1 - coverage) + colour * coverage. A fully covered pixel is exactly the
// object's colour; an uncovered one exactly the background's.
//
// The object moves in a straight line, pixels_per_frame per frame in its direction; it neither
// wraps nor bounces. Whatever part of it is outside the frame is simply not drawn, but
// sample_scene places every object so its whole path stays inside the frame.
#pragma once

#include "data/clip.h"
#include "data/scene_labels.h"
#include "data/world_options.h"

namespace astraea::data {

// Where the object is and how fast it goes, in pixels.
struct Placement {
  double centre_x = 0.0;  // the bounding box's centre at frame 0
  double centre_y = 0.0;
  double size = 0.0;              // the bounding box's side
  double pixels_per_frame = 0.0;  // distance moved per frame along the labels' direction
};

// A scene: what it shows (the labels a prompt states) and where (the placement).
struct SceneSpec {
  SceneLabels labels;
  Placement placement;
};

struct Point {
  double x = 0.0;
  double y = 0.0;
};

// The unit step of `direction` in image coordinates: left (-1, 0), right (1, 0), up (0, -1),
// down (0, 1).
Point unit_step(Direction direction);

// The bounding box's centre at frame t: start + t * pixels_per_frame * unit_step(direction).
Point centre_at(const SceneSpec& scene, int t);

// Renders `scene` as an options.frames x options.height x options.width x kChannels clip.
// Throws astraea::Error when the options are invalid (see validate) or the placement has a
// non-positive size or a negative speed.
Clip render_scene(const SceneSpec& scene, const WorldOptions& options);

// render_scene into `out`, which holds frames * height * width * kChannels floats.
void render_scene_into(const SceneSpec& scene, const WorldOptions& options, float* out);

}  // namespace astraea::data

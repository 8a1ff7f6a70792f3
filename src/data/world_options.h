// The size of the procedural world's clips and the scale of what moves in them. Sizes are given
// as fractions of the frame, so a scene looks the same at any resolution and clip length.
#pragma once

#include "data/scene_labels.h"

namespace astraea::data {

// Every clip is RGB.
inline constexpr int kChannels = 3;

struct WorldOptions {
  int frames = 8;
  int height = 32;
  int width = 32;
  // Side of the object's bounding box as a fraction of min(height, width): 10 px at 32 x 32.
  double object_size = 0.3125;
  // How far the object moves over the whole clip (frame 0 to the last frame), as a fraction of
  // the frame's extent along the motion: width for left/right, height for up/down.
  double slow_travel = 0.25;
  double fast_travel = 0.5;
  // Sub-pixel samples per axis for the object's coverage of a pixel (anti-aliased edges);
  // 1 gives hard edges.
  int coverage_samples = 4;
};

inline constexpr int kMinFrames = 2;
inline constexpr int kMinSide = 8;
inline constexpr int kMaxCoverageSamples = 16;

// Throws astraea::Error (kConfig) naming the field and its value unless: frames >= kMinFrames;
// height, width >= kMinSide; object_size in (0, 1); 0 < slow_travel < fast_travel < 1;
// coverage_samples in [1, kMaxCoverageSamples]; and the fast path fits along both axes
// (object side + fast_travel * extent <= extent), so a sampled object never leaves the frame.
void validate(const WorldOptions& options);

// The object's bounding-box side in pixels.
double object_size_pixels(const WorldOptions& options);

// The frame's extent along `direction`, in pixels: width for left/right, height for up/down.
int extent_along(Direction direction, const WorldOptions& options);

// Distance moved per frame: travel fraction * extent_along(direction) / (frames - 1).
double pixels_per_frame(Speed speed, Direction direction, const WorldOptions& options);

}  // namespace astraea::data

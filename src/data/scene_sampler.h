// Drawing scenes of the procedural world: scene `index` of dataset `seed` is a pure function of
// (seed, index, options). The labels come from integer mixing only (no std distributions), so
// they are the same on every platform; positions are plain IEEE double arithmetic on top.
//
// From a SplitMix64 stream seeded with derive_seed(seed, {index}), in this order: the shape,
// colour, direction, speed and background, each uniform over its values; then the start
// position along the motion and across it, each uniform over the range that keeps the whole
// bounding box inside the frame at every frame. The object's size is object_size_pixels and its
// speed pixels_per_frame(speed, direction).
#pragma once

#include "data/render.h"
#include "data/world_options.h"

#include <cstdint>

namespace astraea::data {

// Throws astraea::Error (kConfig) when the options are invalid.
SceneSpec sample_scene(std::uint64_t seed, std::uint64_t index, const WorldOptions& options);

}  // namespace astraea::data

#include "data/world_options.h"

#include "core/error.h"

#include <algorithm>

namespace astraea::data {

void validate(const WorldOptions& options) {
  const auto bad = [](const char* field, auto value, const char* expected) {
    fail(ErrorKind::kConfig, "world.{}: expected {}, got {}", field, expected, value);
  };
  if (options.frames < kMinFrames) bad("frames", options.frames, "at least 2");
  if (options.height < kMinSide) bad("height", options.height, "at least 8");
  if (options.width < kMinSide) bad("width", options.width, "at least 8");
  if (!(options.object_size > 0.0 && options.object_size < 1.0)) bad("object_size", options.object_size, "a fraction in (0, 1)");
  if (!(options.slow_travel > 0.0 && options.slow_travel < 1.0)) bad("slow_travel", options.slow_travel, "a fraction in (0, 1)");
  if (!(options.fast_travel > options.slow_travel && options.fast_travel < 1.0)) {
    fail(ErrorKind::kConfig, "world.fast_travel: expected a fraction in (slow_travel = {}, 1), got {}", options.slow_travel,
         options.fast_travel);
  }
  if (options.coverage_samples < 1 || options.coverage_samples > kMaxCoverageSamples) {
    bad("coverage_samples", options.coverage_samples, "a count in [1, 16]");
  }
  const double size = object_size_pixels(options);
  for (const int extent : {options.width, options.height}) {
    if (size + options.fast_travel * extent > extent) {
      fail(ErrorKind::kConfig,
           "world: a fast object ({:.3g} px) travelling {:.3g} of a {} px frame leaves it; lower object_size or fast_travel",
           size, options.fast_travel, extent);
    }
  }
}

double object_size_pixels(const WorldOptions& options) {
  return options.object_size * std::min(options.height, options.width);
}

int extent_along(Direction direction, const WorldOptions& options) {
  return direction == Direction::kLeft || direction == Direction::kRight ? options.width : options.height;
}

double pixels_per_frame(Speed speed, Direction direction, const WorldOptions& options) {
  const double travel = speed == Speed::kFast ? options.fast_travel : options.slow_travel;
  return travel * extent_along(direction, options) / (options.frames - 1);
}

}  // namespace astraea::data

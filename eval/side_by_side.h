// The side-by-side comparison video: dense | method | absolute difference, left to right,
// separated by vertical bars, for `astraea export video`.
#pragma once

#include "eval/video.h"

namespace astraea::eval {

inline constexpr int kSideBySideSeparator = 4;  // pixels
inline constexpr float kSideBySideSeparatorValue = 1.0F;

struct SideBySideOptions {
  int separator = kSideBySideSeparator;          // bar width in pixels, 0 for none
  float separator_value = kSideBySideSeparatorValue;  // every channel of the bar
  float difference_gain = 1.0F;                  // the third panel is min(1, gain * |dense - method|)
};

// A video of shape T x H x (3W + 2 separator) x C. Throws astraea::Error unless the two videos
// have the same shape, or for a negative separator or gain.
Video side_by_side(const VideoView& dense, const VideoView& method, const SideBySideOptions& options = {});

}  // namespace astraea::eval

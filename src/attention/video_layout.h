// Where tokens sit in the joint sequence: text first (CogVideoX), then the video tokens in
// frame-major (t, h, w) order on a T x H x W grid of patches.
#pragma once

#include <cstdint>

namespace astraea::attention {

struct VideoLayout {
  int text_tokens = 0;
  int frames = 0;  // T, after temporal patching
  int height = 0;  // H, in patches
  int width = 0;   // W, in patches

  std::int64_t frame_tokens() const { return static_cast<std::int64_t>(height) * width; }
  std::int64_t video_tokens() const { return frames * frame_tokens(); }
  std::int64_t total_tokens() const { return text_tokens + video_tokens(); }
};

}  // namespace astraea::attention

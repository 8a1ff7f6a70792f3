#include "eval/frame_bytes.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace astraea::eval {

namespace {

constexpr int kMaxChannels = 4;
constexpr int kRgb = 3;

void check_frame_index(const VideoView& video, int t) {
  check_video(video, "input");
  if (t < 0 || t >= video.frames) {
    fail("frame {} is out of range for a video of shape {} (TxHxWxC)", t, shape_string(video));
  }
}

}  // namespace

std::uint8_t to_byte(float sample) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(sample, 0.0F, 1.0F) * kByteMax));
}

std::vector<std::uint8_t> frame_bytes(const VideoView& video, int t) {
  check_frame_index(video, t);
  const float* frame = video.frame(t);
  std::vector<std::uint8_t> bytes(video.frame_size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = to_byte(frame[i]);
  }
  return bytes;
}

std::vector<std::uint8_t> frame_rgb_bytes(const VideoView& video, int t) {
  check_frame_index(video, t);
  if (video.channels > kMaxChannels) {
    fail("cannot show a frame of {} channels as RGB (1 to {} channels)", video.channels, kMaxChannels);
  }
  const float* frame = video.frame(t);
  std::size_t pixels = static_cast<std::size_t>(video.height) * video.width;
  bool grey = video.channels < kRgb;
  std::vector<std::uint8_t> rgb(pixels * kRgb);
  for (std::size_t p = 0; p < pixels; ++p) {
    const float* sample = frame + p * video.channels;
    for (int c = 0; c < kRgb; ++c) {
      rgb[p * kRgb + c] = to_byte(grey ? sample[0] : sample[c]);
    }
  }
  return rgb;
}

}  // namespace astraea::eval

// 8-bit pixels of a video frame for the image and video writers: each sample in [0, 1] becomes
// round(clamp(x, 0, 1) * 255).
#pragma once

#include "eval/video.h"

#include <cstdint>
#include <vector>

namespace astraea::eval {

inline constexpr float kByteMax = 255.0F;

std::uint8_t to_byte(float sample);

// Frame t, [H][W][C] bytes with the video's channels.
std::vector<std::uint8_t> frame_bytes(const VideoView& video, int t);

// Frame t as [H][W][3] RGB bytes: 1 channel is grey (replicated), 2 channels grey plus alpha
// (alpha dropped), 4 channels RGBA (alpha dropped). Throws astraea::Error for more than 4.
std::vector<std::uint8_t> frame_rgb_bytes(const VideoView& video, int t);

}  // namespace astraea::eval

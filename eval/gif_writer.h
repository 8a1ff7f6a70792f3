// Animated GIF previews through giflib. GIF holds at most 256 colours per frame, so colour
// frames are mapped to a fixed palette of 6 x 7 x 6 RGB levels (252 colours; nearest level per
// channel, no dithering), which keeps every channel within half a level step (25.5 for red and
// blue, 21.25 for green, in 8-bit units); videos of one or two channels use 256 grey levels and
// lose nothing. The GIF loops forever. For exact pixels use the PNG frames.
#pragma once

#include "eval/video.h"

#include <filesystem>

namespace astraea::eval {

inline constexpr int kGifRedLevels = 6;
inline constexpr int kGifGreenLevels = 7;
inline constexpr int kGifBlueLevels = 6;
inline constexpr double kGifDefaultFps = 8.0;

struct GifOptions {
  double fps = kGifDefaultFps;  // the frame delay is round(100 / fps) centiseconds, at least 1
};

// Throws astraea::Error naming the path and giflib's reason when writing fails.
void write_gif(const std::filesystem::path& path, const VideoView& video, const GifOptions& options = {});

}  // namespace astraea::eval

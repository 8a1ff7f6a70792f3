// Lossless PNG frames through libpng. Samples become 8-bit (frame_bytes.h); 1, 2, 3 and 4
// channels are written as grey, grey + alpha, RGB and RGBA.
#pragma once

#include "eval/video.h"

#include <filesystem>
#include <string_view>
#include <vector>

namespace astraea::eval {

// Throws astraea::Error naming the path when libpng cannot write it or the frame has more than
// 4 channels.
void write_png(const std::filesystem::path& path, const VideoView& video, int t);

// Every frame into `directory` (created if missing) as <stem>_0000.png, <stem>_0001.png, ...;
// returns the paths in frame order.
std::vector<std::filesystem::path> write_png_frames(const std::filesystem::path& directory, const VideoView& video,
                                                    std::string_view stem = "frame");

}  // namespace astraea::eval

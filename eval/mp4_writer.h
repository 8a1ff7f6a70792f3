// MP4 videos through the ffmpeg command-line tool, run as a subprocess when it is on PATH.
// ffmpeg is optional: callers check ffmpeg_available() and skip MP4 without it.
//
// The frames go to ffmpeg as raw 8-bit RGB (frame_bytes.h) through a temporary file next to the
// output, then: ffmpeg -y -nostdin -loglevel error -f rawvideo -pix_fmt rgb24 -s WxH -r FPS -i RAW
//   -vf pad=ceil(iw/2)*2:ceil(ih/2)*2 -c:v CODEC -pix_fmt yuv420p -crf CRF OUT
// (yuv420p needs even sides, so odd frames gain one black row or column).
#pragma once

#include "eval/video.h"

#include <filesystem>
#include <optional>
#include <string>

namespace astraea::eval {

inline constexpr double kMp4DefaultFps = 8.0;
inline constexpr int kMp4DefaultCrf = 18;  // visually lossless for H.264

struct Mp4Options {
  double fps = kMp4DefaultFps;
  std::string codec = "libx264";
  int crf = kMp4DefaultCrf;
};

// The ffmpeg executable found on PATH, if any.
std::optional<std::filesystem::path> find_ffmpeg();
bool ffmpeg_available();

// Throws astraea::Error naming the path when ffmpeg is missing, cannot start or fails.
void write_mp4(const std::filesystem::path& path, const VideoView& video, const Mp4Options& options = {});

}  // namespace astraea::eval

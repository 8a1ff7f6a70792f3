// Every stored sample as files a person can look at: lossless PNG frames, an animated GIF
// preview and, when ffmpeg is on PATH, an MP4.
//
//   <directory>/<stem>/frame_0000.png ...
//   <directory>/<stem>.gif
//   <directory>/<stem>.mp4            (only with ffmpeg)
#pragma once

#include "eval/gif_writer.h"
#include "eval/mp4_writer.h"
#include "eval/video.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace astraea::eval {

struct VideoArtifactOptions {
  double fps = kGifDefaultFps;
  bool png_frames = true;
  bool gif = true;
  bool mp4 = true;  // written only when ffmpeg is available; silently skipped otherwise
  Mp4Options mp4_options;  // its fps is replaced by `fps`
};

struct VideoArtifacts {
  std::vector<std::filesystem::path> png_frames;
  std::optional<std::filesystem::path> gif;
  std::optional<std::filesystem::path> mp4;
  bool mp4_skipped = false;  // asked for, but ffmpeg is not on PATH
};

// Creates `directory` if needed. Throws astraea::Error naming the file that failed.
VideoArtifacts write_video_artifacts(const std::filesystem::path& directory, const std::string& stem,
                                     const VideoView& video, const VideoArtifactOptions& options = {});

}  // namespace astraea::eval

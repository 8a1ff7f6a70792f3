#include "eval/video_artifacts.h"

#include "core/error.h"
#include "eval/png_writer.h"

namespace astraea::eval {

VideoArtifacts write_video_artifacts(const std::filesystem::path& directory, const std::string& stem,
                                     const VideoView& video, const VideoArtifactOptions& options) {
  if (stem.empty()) {
    fail("video artifacts: the file stem must not be empty");
  }
  with_context("video artifacts for " + stem, [&] { check_video(video, "input"); });
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    fail("{}: cannot create the directory: {}", directory.string(), error.message());
  }
  VideoArtifacts artifacts;
  if (options.png_frames) {
    artifacts.png_frames = write_png_frames(directory / stem, video);
  }
  if (options.gif) {
    artifacts.gif = directory / (stem + ".gif");
    write_gif(*artifacts.gif, video, GifOptions{options.fps});
  }
  if (options.mp4) {
    if (ffmpeg_available()) {
      Mp4Options mp4_options = options.mp4_options;
      mp4_options.fps = options.fps;
      artifacts.mp4 = directory / (stem + ".mp4");
      write_mp4(*artifacts.mp4, video, mp4_options);
    } else {
      artifacts.mp4_skipped = true;
    }
  }
  return artifacts;
}

}  // namespace astraea::eval

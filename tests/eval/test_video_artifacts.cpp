#include "core/error.h"
#include "eval/mp4_writer.h"
#include "eval/video_artifacts.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <unistd.h>

#include <filesystem>

using astraea::eval::Video;
using astraea::eval::VideoArtifacts;
using astraea::eval::write_video_artifacts;
using astraea::eval::testing::pattern_video;

TEST_CASE("video artifacts are PNG frames, a GIF and an MP4 only with ffmpeg", "[eval][artifacts]") {
  std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("astraea_test_artifacts_" + std::to_string(getpid()));
  std::filesystem::remove_all(directory);
  Video video = pattern_video(3, 10, 12, 3);
  VideoArtifacts artifacts = write_video_artifacts(directory, "trial_7_sample_0", video);
  REQUIRE(artifacts.png_frames.size() == 3);
  CHECK(artifacts.png_frames[0] == directory / "trial_7_sample_0" / "frame_0000.png");
  for (const auto& path : artifacts.png_frames) {
    CHECK(std::filesystem::is_regular_file(path));
  }
  REQUIRE(artifacts.gif.has_value());
  CHECK(std::filesystem::is_regular_file(*artifacts.gif));
  CHECK(artifacts.mp4.has_value() == astraea::eval::ffmpeg_available());
  CHECK(artifacts.mp4_skipped == !astraea::eval::ffmpeg_available());
  std::filesystem::remove_all(directory);
  CHECK_THROWS_WITH(write_video_artifacts(directory, "", video), Catch::Contains("stem must not be empty"));
}

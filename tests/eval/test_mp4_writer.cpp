#include "core/error.h"
#include "eval/mp4_writer.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

using astraea::eval::ffmpeg_available;
using astraea::eval::Video;
using astraea::eval::write_mp4;
using astraea::eval::testing::pattern_video;

TEST_CASE("an MP4 is written with ffmpeg when it is installed", "[eval][mp4]") {
  if (!ffmpeg_available()) {
    Video video = pattern_video(2, 8, 8, 3);
    CHECK_THROWS_WITH(write_mp4("/tmp/unused.mp4", video), Catch::Contains("ffmpeg is not on PATH"));
    WARN("ffmpeg is not on PATH: MP4 test skipped");
    return;
  }
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("astraea_test_" + std::to_string(getpid()) + ".mp4");
  Video video = pattern_video(5, 17, 23, 3);  // odd sides: padded to even for yuv420p
  write_mp4(path, video);
  REQUIRE(std::filesystem::exists(path));
  // An MP4 starts with a box whose type, at bytes 4..7, is "ftyp".
  std::ifstream in(path, std::ios::binary);
  char header[8] = {};
  in.read(header, sizeof(header));
  CHECK(std::string(header + 4, 4) == "ftyp");
  std::filesystem::remove(path);
}

#include "core/error.h"
#include "eval/frame_bytes.h"
#include "eval/png_writer.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <png.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

using astraea::eval::frame_bytes;
using astraea::eval::Video;
using astraea::eval::write_png;
using astraea::eval::write_png_frames;
using astraea::eval::testing::pattern_video;

namespace {

std::filesystem::path scratch_directory(const char* name) {
  std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("astraea_test_" + std::string(name) + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  return directory;
}

// Reads a PNG back with libpng's own reader, in the file's format.
std::vector<std::uint8_t> read_png(const std::filesystem::path& path, png_uint_32 format, int& width, int& height) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
  width = static_cast<int>(image.width);
  height = static_cast<int>(image.height);
  CHECK(image.format == format);
  image.format = format;
  std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
  REQUIRE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0);
  return pixels;
}

}  // namespace

TEST_CASE("PNG frames read back byte for byte with libpng", "[eval][png]") {
  std::filesystem::path directory = scratch_directory("png");
  using Case = std::pair<int, png_uint_32>;
  for (auto [channels, format] : {Case{1, PNG_FORMAT_GRAY}, Case{2, PNG_FORMAT_GA}, Case{3, PNG_FORMAT_RGB},
                                  Case{4, PNG_FORMAT_RGBA}}) {
    INFO(channels << " channels");
    Video video = pattern_video(3, 13, 17, channels);
    auto paths = write_png_frames(directory / std::to_string(channels), video);
    REQUIRE(paths.size() == 3);
    CHECK(paths[2].filename() == "frame_0002.png");
    for (int t = 0; t < 3; ++t) {
      int width = 0;
      int height = 0;
      std::vector<std::uint8_t> pixels = read_png(paths[static_cast<std::size_t>(t)], format, width, height);
      CHECK(width == 17);
      CHECK(height == 13);
      CHECK(pixels == frame_bytes(video, t));
    }
  }
  std::filesystem::remove_all(directory);
}

TEST_CASE("8-bit conversion rounds and clamps", "[eval][png]") {
  CHECK(astraea::eval::to_byte(0.0F) == 0);
  CHECK(astraea::eval::to_byte(1.0F) == 255);
  CHECK(astraea::eval::to_byte(0.5F) == 128);  // 127.5 rounds away from zero
  CHECK(astraea::eval::to_byte(0.1F) == 26);   // 25.5 -> 26
  CHECK(astraea::eval::to_byte(-0.2F) == 0);
  CHECK(astraea::eval::to_byte(1.7F) == 255);
}

TEST_CASE("PNG writing names the path it could not write", "[eval][png]") {
  Video video = pattern_video(1, 4, 4, 3);
  CHECK_THROWS_WITH(write_png("/nonexistent_dir_for_astraea/x.png", video, 0),
                    Catch::Contains("/nonexistent_dir_for_astraea/x.png: cannot write PNG"));
  Video five = pattern_video(1, 4, 4, 5);
  CHECK_THROWS_WITH(write_png("/tmp/unused.png", five, 0), Catch::Contains("PNG holds 1 to 4 channels"));
}

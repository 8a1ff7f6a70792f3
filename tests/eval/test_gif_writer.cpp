#include "core/error.h"
#include "eval/frame_bytes.h"
#include "eval/gif_writer.h"
#include "eval_fixtures.h"
#include "support/catch.h"

#include <gif_lib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

using astraea::eval::frame_rgb_bytes;
using astraea::eval::Video;
using astraea::eval::write_gif;
using astraea::eval::testing::pattern_video;

namespace {

// Decodes with giflib and checks size, frame count and every pixel against the source within
// `tolerance` 8-bit levels per channel.
void check_gif(const std::filesystem::path& path, const Video& video, int tolerance) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  CHECK(gif->SWidth == video.width());
  CHECK(gif->SHeight == video.height());
  REQUIRE(gif->ImageCount == video.frames());
  int worst = 0;
  for (int t = 0; t < gif->ImageCount; ++t) {
    const SavedImage& image = gif->SavedImages[t];
    CHECK(image.ImageDesc.Width == video.width());
    CHECK(image.ImageDesc.Height == video.height());
    const ColorMapObject* map = image.ImageDesc.ColorMap != nullptr ? image.ImageDesc.ColorMap : gif->SColorMap;
    std::vector<std::uint8_t> rgb = frame_rgb_bytes(video, t);
    for (int p = 0; p < video.width() * video.height(); ++p) {
      const GifColorType& colour = map->Colors[image.RasterBits[p]];
      worst = std::max({worst, std::abs(colour.Red - rgb[3 * p]), std::abs(colour.Green - rgb[3 * p + 1]),
                        std::abs(colour.Blue - rgb[3 * p + 2])});
    }
  }
  CHECK(worst <= tolerance);
  DGifCloseFile(gif, &error);
}

}  // namespace

TEST_CASE("an animated GIF decodes with giflib to the right frames", "[eval][gif]") {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("astraea_test_" + std::to_string(getpid()) + ".gif");
  Video colour = pattern_video(4, 11, 19, 3);
  write_gif(path, colour);
  check_gif(path, colour, 26);  // half a red/blue level step of the 6 x 7 x 6 palette, rounded up
  Video grey = pattern_video(3, 9, 7, 1);
  write_gif(path, grey);
  check_gif(path, grey, 0);  // 256 grey levels: exact
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(write_gif("/nonexistent_dir_for_astraea/x.gif", colour),
                    Catch::Contains("/nonexistent_dir_for_astraea/x.gif: cannot open for writing"));
}

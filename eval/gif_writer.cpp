#include "eval/gif_writer.h"

#include "core/error.h"
#include "eval/frame_bytes.h"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace astraea::eval {

namespace {

constexpr int kPaletteSize = 256;
constexpr int kColourDepth = 8;
constexpr int kRgb = 3;
constexpr double kCentisecondsPerSecond = 100.0;
// The application extension that makes a GIF loop: "NETSCAPE2.0", then sub-block 1 with a
// loop count of 0 (forever), little-endian.
constexpr std::array<GifByteType, 11> kLoopApplication = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
constexpr std::array<GifByteType, 3> kLoopForever = {1, 0, 0};

int level_value(int level, int levels) {
  return static_cast<int>(std::lround(level * static_cast<double>(kByteMax) / (levels - 1)));
}

int nearest_level(std::uint8_t value, int levels) {
  return static_cast<int>(std::lround(value * static_cast<double>(levels - 1) / kByteMax));
}

std::vector<GifColorType> make_palette(bool grey) {
  std::vector<GifColorType> palette(kPaletteSize, GifColorType{0, 0, 0});
  if (grey) {
    for (int i = 0; i < kPaletteSize; ++i) {
      auto v = static_cast<GifByteType>(i);
      palette[static_cast<std::size_t>(i)] = {v, v, v};
    }
    return palette;
  }
  for (int r = 0; r < kGifRedLevels; ++r) {
    for (int g = 0; g < kGifGreenLevels; ++g) {
      for (int b = 0; b < kGifBlueLevels; ++b) {
        int index = (r * kGifGreenLevels + g) * kGifBlueLevels + b;
        palette[static_cast<std::size_t>(index)] = {static_cast<GifByteType>(level_value(r, kGifRedLevels)),
                                                    static_cast<GifByteType>(level_value(g, kGifGreenLevels)),
                                                    static_cast<GifByteType>(level_value(b, kGifBlueLevels))};
      }
    }
  }
  return palette;
}

std::vector<GifByteType> palette_indices(const std::vector<std::uint8_t>& rgb, bool grey) {
  std::size_t pixels = rgb.size() / kRgb;
  std::vector<GifByteType> indices(pixels);
  for (std::size_t p = 0; p < pixels; ++p) {
    const std::uint8_t* pixel = rgb.data() + p * kRgb;
    if (grey) {
      indices[p] = pixel[0];
      continue;
    }
    int r = nearest_level(pixel[0], kGifRedLevels);
    int g = nearest_level(pixel[1], kGifGreenLevels);
    int b = nearest_level(pixel[2], kGifBlueLevels);
    indices[p] = static_cast<GifByteType>((r * kGifGreenLevels + g) * kGifBlueLevels + b);
  }
  return indices;
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    EGifCloseFile(gif, &error);
  }
};

struct MapFreer {
  void operator()(ColorMapObject* map) const { GifFreeMapObject(map); }
};

}  // namespace

void write_gif(const std::filesystem::path& path, const VideoView& video, const GifOptions& options) {
  with_context(path.string(), [&] { check_video(video, "input"); });
  if (!(options.fps > 0.0)) {
    fail("{}: fps must be positive, got {}", path.string(), options.fps);
  }
  bool grey = video.channels < kRgb;
  std::vector<GifColorType> colours = make_palette(grey);
  std::unique_ptr<ColorMapObject, MapFreer> map(GifMakeMapObject(kPaletteSize, colours.data()));
  if (!map) {
    fail("{}: giflib could not allocate a colour map", path.string());
  }
  int error = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(EGifOpenFileName(path.c_str(), false, &error));
  if (!gif) {
    fail("{}: cannot open for writing: {}", path.string(), GifErrorString(error));
  }
  auto check = [&](int status, const char* step) {
    if (status != GIF_OK) {
      fail("{}: {} failed: {}", path.string(), step, GifErrorString(gif->Error));
    }
  };
  EGifSetGifVersion(gif.get(), true);
  check(EGifPutScreenDesc(gif.get(), video.width, video.height, kColourDepth, 0, map.get()), "writing the screen");
  check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE), "starting the loop extension");
  check(EGifPutExtensionBlock(gif.get(), static_cast<int>(kLoopApplication.size()), kLoopApplication.data()),
        "writing the loop extension");
  check(EGifPutExtensionBlock(gif.get(), static_cast<int>(kLoopForever.size()), kLoopForever.data()),
        "writing the loop count");
  check(EGifPutExtensionTrailer(gif.get()), "ending the loop extension");
  int delay = std::max(1, static_cast<int>(std::lround(kCentisecondsPerSecond / options.fps)));
  GraphicsControlBlock control{DISPOSAL_UNSPECIFIED, false, delay, NO_TRANSPARENT_COLOR};
  std::array<GifByteType, 4> control_bytes{};
  std::size_t control_length = EGifGCBToExtension(&control, control_bytes.data());
  for (int t = 0; t < video.frames; ++t) {
    std::vector<GifByteType> indices = palette_indices(frame_rgb_bytes(video, t), grey);
    check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, static_cast<int>(control_length), control_bytes.data()),
          "writing a frame delay");
    check(EGifPutImageDesc(gif.get(), 0, 0, video.width, video.height, false, nullptr), "writing a frame header");
    for (int y = 0; y < video.height; ++y) {
      check(EGifPutLine(gif.get(), indices.data() + static_cast<std::size_t>(y) * video.width, video.width),
            "writing a frame");
    }
  }
  GifFileType* raw = gif.release();
  if (EGifCloseFile(raw, &error) != GIF_OK) {
    fail("{}: closing failed: {}", path.string(), GifErrorString(error));
  }
}

}  // namespace astraea::eval

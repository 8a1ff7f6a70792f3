#include "eval/png_writer.h"

#include "core/error.h"
#include "eval/frame_bytes.h"

#include <fmt/format.h>
#include <png.h>

#include <array>
#include <cstring>

namespace astraea::eval {

namespace {

// libpng's simplified-API formats for 1 to 4 channels.
constexpr std::array<png_uint_32, 4> kFormats = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};

}  // namespace

void write_png(const std::filesystem::path& path, const VideoView& video, int t) {
  std::vector<std::uint8_t> bytes = with_context(path.string(), [&] { return frame_bytes(video, t); });
  if (video.channels > static_cast<int>(kFormats.size())) {
    fail("{}: PNG holds 1 to 4 channels, the video has {}", path.string(), video.channels);
  }
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(video.width);
  image.height = static_cast<png_uint_32>(video.height);
  image.format = kFormats[static_cast<std::size_t>(video.channels - 1)];
  int row_stride = video.width * video.channels;
  if (png_image_write_to_file(&image, path.c_str(), 0, bytes.data(), row_stride, nullptr) == 0) {
    std::string reason = image.message;
    png_image_free(&image);
    fail("{}: cannot write PNG: {}", path.string(), reason);
  }
}

std::vector<std::filesystem::path> write_png_frames(const std::filesystem::path& directory, const VideoView& video,
                                                    std::string_view stem) {
  check_video(video, "input");
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    fail("{}: cannot create the directory: {}", directory.string(), error.message());
  }
  std::vector<std::filesystem::path> paths;
  paths.reserve(static_cast<std::size_t>(video.frames));
  for (int t = 0; t < video.frames; ++t) {
    std::filesystem::path path = directory / fmt::format("{}_{:04d}.png", stem, t);
    write_png(path, video, t);
    paths.push_back(std::move(path));
  }
  return paths;
}

}  // namespace astraea::eval

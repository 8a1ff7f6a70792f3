#include "eval/video.h"

#include "core/error.h"

#include <fmt/format.h>

#include <utility>

namespace astraea::eval {

namespace {

void check_dimensions(int frames, int height, int width, int channels) {
  if (frames <= 0 || height <= 0 || width <= 0 || channels <= 0) {
    fail("video dimensions must be positive, got {}x{}x{}x{} (TxHxWxC)", frames, height, width, channels);
  }
}

}  // namespace

Video::Video(int frames, int height, int width, int channels)
    : frames_(frames), height_(height), width_(width), channels_(channels) {
  check_dimensions(frames, height, width, channels);
  samples_.assign(view().size(), 0.0F);
}

Video::Video(std::vector<float> samples, int frames, int height, int width, int channels)
    : samples_(std::move(samples)), frames_(frames), height_(height), width_(width), channels_(channels) {
  check_dimensions(frames, height, width, channels);
  VideoView shape{nullptr, frames, height, width, channels};
  if (samples_.size() != shape.size()) {
    fail("video of shape {} needs {} samples, got {}", shape_string(shape), shape.size(), samples_.size());
  }
}

std::string shape_string(const VideoView& video) {
  return fmt::format("{}x{}x{}x{}", video.frames, video.height, video.width, video.channels);
}

void check_video(const VideoView& video, std::string_view role) {
  if (video.frames <= 0 || video.height <= 0 || video.width <= 0 || video.channels <= 0) {
    fail("{} video has shape {} (TxHxWxC); every dimension must be positive", role, shape_string(video));
  }
  if (video.data == nullptr) {
    fail("{} video of shape {} has no samples", role, shape_string(video));
  }
}

void check_same_shape(const VideoView& output, const VideoView& reference) {
  check_video(output, "output");
  check_video(reference, "reference");
  std::string mismatches;
  auto compare = [&](const char* dimension, int out, int ref) {
    if (out != ref) {
      mismatches += fmt::format("{}{} {} vs {}", mismatches.empty() ? "" : ", ", dimension, out, ref);
    }
  };
  compare("frames", output.frames, reference.frames);
  compare("height", output.height, reference.height);
  compare("width", output.width, reference.width);
  compare("channels", output.channels, reference.channels);
  if (!mismatches.empty()) {
    fail("output video {} and reference video {} (TxHxWxC) differ in shape: {}", shape_string(output),
         shape_string(reference), mismatches);
  }
}

}  // namespace astraea::eval

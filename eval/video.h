// Videos as the metrics see them: float samples in [0, 1], laid out [T][H][W][C] (frames,
// rows, columns, channels), channels fastest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace astraea::eval {

// Borrows the samples; the caller keeps them alive while the view is used.
struct VideoView {
  const float* data = nullptr;
  int frames = 0;
  int height = 0;
  int width = 0;
  int channels = 0;

  std::size_t frame_size() const { return static_cast<std::size_t>(height) * width * channels; }
  std::size_t size() const { return frame_size() * static_cast<std::size_t>(frames); }
  const float* frame(int t) const { return data + frame_size() * static_cast<std::size_t>(t); }
  float at(int t, int y, int x, int c) const {
    return frame(t)[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
};

// Owns its samples, zero-initialised unless given.
class Video {
 public:
  Video() = default;
  Video(int frames, int height, int width, int channels);
  // Throws astraea::Error when samples.size() is not frames * height * width * channels.
  Video(std::vector<float> samples, int frames, int height, int width, int channels);

  int frames() const { return frames_; }
  int height() const { return height_; }
  int width() const { return width_; }
  int channels() const { return channels_; }

  std::vector<float>& samples() { return samples_; }
  const std::vector<float>& samples() const { return samples_; }

  float& at(int t, int y, int x, int c) { return samples_[index(t, y, x, c)]; }
  float at(int t, int y, int x, int c) const { return samples_[index(t, y, x, c)]; }

  VideoView view() const { return {samples_.data(), frames_, height_, width_, channels_}; }
  operator VideoView() const { return view(); }

 private:
  std::size_t index(int t, int y, int x, int c) const {
    return ((static_cast<std::size_t>(t) * height_ + y) * width_ + x) * channels_ + c;
  }

  std::vector<float> samples_;
  int frames_ = 0;
  int height_ = 0;
  int width_ = 0;
  int channels_ = 0;
};

// "TxHxWxC", e.g. "3x17x23x3".
std::string shape_string(const VideoView& video);

// Throws astraea::Error unless the view has data and every dimension is positive; `role`
// ("output", "reference") names the video in the message.
void check_video(const VideoView& video, std::string_view role);

// check_video on both, then throws astraea::Error naming each mismatched dimension and both
// shapes unless they are equal.
void check_same_shape(const VideoView& output, const VideoView& reference);

}  // namespace astraea::eval

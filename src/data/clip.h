// A rendered clip: float samples in [0, 1], laid out [T][H][W][C] with channels fastest, the
// layout eval::Video uses, so `eval::Video(std::move(clip.samples), clip.frames, clip.height,
// clip.width, clip.channels)` hands one over without a copy. src/data sits below eval (eval's
// checker will read the world's labels), so it keeps this small type of its own.
#pragma once

#include <cstddef>
#include <vector>

namespace astraea::data {

struct Clip {
  int frames = 0;
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> samples;

  // Zero-filled samples of the given shape.
  static Clip zeros(int frames, int height, int width, int channels);

  std::size_t frame_size() const { return static_cast<std::size_t>(height) * width * channels; }
  std::size_t index(int t, int y, int x, int c) const {
    return ((static_cast<std::size_t>(t) * height + y) * width + x) * channels + c;
  }
  float& at(int t, int y, int x, int c) { return samples[index(t, y, x, c)]; }
  float at(int t, int y, int x, int c) const { return samples[index(t, y, x, c)]; }
};

}  // namespace astraea::data

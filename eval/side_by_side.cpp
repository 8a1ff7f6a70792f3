#include "eval/side_by_side.h"

#include "core/error.h"
#include "eval/plane.h"

#include <algorithm>
#include <cmath>

namespace astraea::eval {

namespace {

constexpr int kPanels = 3;

}  // namespace

Video side_by_side(const VideoView& dense, const VideoView& method, const SideBySideOptions& options) {
  with_context("side by side", [&] { check_same_shape(method, dense); });
  if (options.separator < 0 || options.difference_gain < 0.0F) {
    fail("side by side: separator and difference_gain must be non-negative, got {} and {}", options.separator,
         options.difference_gain);
  }
  int width = dense.width;
  int channels = dense.channels;
  int out_width = kPanels * width + (kPanels - 1) * options.separator;
  Video out(dense.frames, dense.height, out_width, channels);
#pragma omp parallel for collapse(2) schedule(static) if (parallel_worth(dense.height, out_width * dense.frames))
  for (int t = 0; t < dense.frames; ++t) {
    for (int y = 0; y < dense.height; ++y) {
      for (int x = 0; x < out_width; ++x) {
        int panel = x / (width + options.separator);
        int column = x % (width + options.separator);
        for (int c = 0; c < channels; ++c) {
          float value = options.separator_value;
          if (column < width) {
            float a = dense.at(t, y, column, c);
            float b = method.at(t, y, column, c);
            value = panel == 0 ? a : panel == 1 ? b : std::min(1.0F, options.difference_gain * std::abs(a - b));
          }
          out.at(t, y, x, c) = value;
        }
      }
    }
  }
  return out;
}

}  // namespace astraea::eval

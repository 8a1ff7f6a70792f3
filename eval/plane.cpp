#include "eval/plane.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <vector>

namespace astraea::eval {

namespace {

// The binomial approximation of a Gaussian (sigma about 1) used for every pyramid step.
constexpr std::array<float, 5> kPyramidTaps = {1.0F / 16, 4.0F / 16, 6.0F / 16, 4.0F / 16, 1.0F / 16};

int clamp_index(int i, int size) { return std::clamp(i, 0, size - 1); }

enum class Axis { kX, kY };

// One pass of a separable filter along `kAxis`, borders clamped, keeping every step-th sample:
// out[i] = scale * sum_k taps[k] * in[step * i + k - radius] with radius = taps.size() / 2, so
// the filtered side becomes ceil(side / step).
template <Axis kAxis>
Plane filter_pass(const Plane& plane, std::span<const float> taps, int step, float scale) {
  int height = static_cast<int>(plane.rows());
  int width = static_cast<int>(plane.cols());
  int radius = static_cast<int>(taps.size()) / 2;
  int out_height = kAxis == Axis::kY ? (height + step - 1) / step : height;
  int out_width = kAxis == Axis::kX ? (width + step - 1) / step : width;
  Plane out(out_height, out_width);
#pragma omp parallel for schedule(static) if (parallel_worth(out_height, out_width))
  for (int oy = 0; oy < out_height; ++oy) {
    for (int ox = 0; ox < out_width; ++ox) {
      float sum = 0.0F;
      for (int k = -radius; k <= radius; ++k) {
        float value = kAxis == Axis::kX ? plane(oy, clamp_index(step * ox + k, width))
                                        : plane(clamp_index(step * oy + k, height), ox);
        sum += taps[k + radius] * value;
      }
      out(oy, ox) = sum * scale;
    }
  }
  return out;
}

}  // namespace

Plane luma_plane(const VideoView& video, int t) {
  check_video(video, "input");
  if (t < 0 || t >= video.frames) {
    fail("frame {} is out of range for a video of shape {} (TxHxWxC)", t, shape_string(video));
  }
  Plane plane(video.height, video.width);
  const float* frame = video.frame(t);
  int channels = video.channels;
#pragma omp parallel for schedule(static) if (parallel_worth(video.height, video.width))
  for (int y = 0; y < video.height; ++y) {
    for (int x = 0; x < video.width; ++x) {
      const float* pixel = frame + (static_cast<std::size_t>(y) * video.width + x) * channels;
      float value = 0.0F;
      if (channels == 3 || channels == 4) {
        value = kLumaRed * pixel[0] + kLumaGreen * pixel[1] + kLumaBlue * pixel[2];
      } else {
        for (int c = 0; c < channels; ++c) {
          value += pixel[c];
        }
        value /= static_cast<float>(channels);
      }
      plane(y, x) = value;
    }
  }
  return plane;
}

float sample_bilinear(const Plane& plane, float y, float x) {
  int height = static_cast<int>(plane.rows());
  int width = static_cast<int>(plane.cols());
  y = std::clamp(y, 0.0F, static_cast<float>(height - 1));
  x = std::clamp(x, 0.0F, static_cast<float>(width - 1));
  int y0 = static_cast<int>(std::floor(y));
  int x0 = static_cast<int>(std::floor(x));
  int y1 = std::min(y0 + 1, height - 1);
  int x1 = std::min(x0 + 1, width - 1);
  float fy = y - static_cast<float>(y0);
  float fx = x - static_cast<float>(x0);
  float top = (1.0F - fx) * plane(y0, x0) + fx * plane(y0, x1);
  float bottom = (1.0F - fx) * plane(y1, x0) + fx * plane(y1, x1);
  return (1.0F - fy) * top + fy * bottom;
}

Plane pyramid_down(const Plane& plane) {
  // Smooth along x at the kept columns, then along y at the kept rows.
  return filter_pass<Axis::kY>(filter_pass<Axis::kX>(plane, kPyramidTaps, 2, 1.0F), kPyramidTaps, 2, 1.0F);
}

Plane box_mean(const Plane& plane, int radius) {
  std::vector<float> ones(static_cast<std::size_t>(2 * radius + 1), 1.0F);
  float norm = 1.0F / static_cast<float>(2 * radius + 1);
  return filter_pass<Axis::kY>(filter_pass<Axis::kX>(plane, ones, 1, norm), ones, 1, norm);
}

Plane area_downsample(const Plane& plane, int factor) {
  if (factor <= 1) {
    return plane;
  }
  int height = static_cast<int>(plane.rows());
  int width = static_cast<int>(plane.cols());
  int out_height = (height + factor - 1) / factor;
  int out_width = (width + factor - 1) / factor;
  Plane out(out_height, out_width);
#pragma omp parallel for schedule(static) if (parallel_worth(out_height, out_width))
  for (int oy = 0; oy < out_height; ++oy) {
    for (int ox = 0; ox < out_width; ++ox) {
      int y_end = std::min(height, (oy + 1) * factor);
      int x_end = std::min(width, (ox + 1) * factor);
      float sum = 0.0F;
      for (int y = oy * factor; y < y_end; ++y) {
        for (int x = ox * factor; x < x_end; ++x) {
          sum += plane(y, x);
        }
      }
      out(oy, ox) = sum / static_cast<float>((y_end - oy * factor) * (x_end - ox * factor));
    }
  }
  return out;
}

}  // namespace astraea::eval

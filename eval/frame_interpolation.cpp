#include "eval/frame_interpolation.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace astraea::eval {

namespace {

constexpr float kHalf = 0.5F;

// Channel c of a [H][W][C] frame at real coordinates, bilinear, coordinates clamped.
float sample_channel(const VideoView& video, const float* frame, float y, float x, int c) {
  y = std::clamp(y, 0.0F, static_cast<float>(video.height - 1));
  x = std::clamp(x, 0.0F, static_cast<float>(video.width - 1));
  int y0 = static_cast<int>(std::floor(y));
  int x0 = static_cast<int>(std::floor(x));
  int y1 = std::min(y0 + 1, video.height - 1);
  int x1 = std::min(x0 + 1, video.width - 1);
  float fy = y - static_cast<float>(y0);
  float fx = x - static_cast<float>(x0);
  auto at = [&](int yy, int xx) { return frame[(static_cast<std::size_t>(yy) * video.width + xx) * video.channels + c]; };
  float top = (1.0F - fx) * at(y0, x0) + fx * at(y0, x1);
  float bottom = (1.0F - fx) * at(y1, x0) + fx * at(y1, x1);
  return (1.0F - fy) * top + fy * bottom;
}

}  // namespace

std::vector<float> interpolate_midpoint(const VideoView& video, int t0, int t1, const FlowOptions& options) {
  FlowField flow = with_context("frame interpolation", [&] { return dense_flow(video, t0, t1, options); });
  const float* first = video.frame(t0);
  const float* second = video.frame(t1);
  std::vector<float> midpoint(video.frame_size());
#pragma omp parallel for schedule(static) if (parallel_worth(video.height, video.width))
  for (int y = 0; y < video.height; ++y) {
    for (int x = 0; x < video.width; ++x) {
      float half_u = kHalf * flow.u(y, x);
      float half_v = kHalf * flow.v(y, x);
      float y_first = static_cast<float>(y) - half_v;
      float x_first = static_cast<float>(x) - half_u;
      float y_second = static_cast<float>(y) + half_v;
      float x_second = static_cast<float>(x) + half_u;
      bool first_inside = inside_plane(video.height, video.width, y_first, x_first);
      bool second_inside = inside_plane(video.height, video.width, y_second, x_second);
      float first_weight = first_inside == second_inside ? kHalf : (first_inside ? 1.0F : 0.0F);
      float second_weight = 1.0F - first_weight;
      float* out = midpoint.data() + (static_cast<std::size_t>(y) * video.width + x) * video.channels;
      for (int c = 0; c < video.channels; ++c) {
        out[c] = first_weight * sample_channel(video, first, y_first, x_first, c) +
                 second_weight * sample_channel(video, second, y_second, x_second, c);
      }
    }
  }
  return midpoint;
}

}  // namespace astraea::eval

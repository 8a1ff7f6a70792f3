// VBench's motion_smoothness on the output video alone (the reference is ignored), with the AMT
// interpolation network replaced by flow-warped midpoints (frame_interpolation.h). VBench keeps
// frames 0, 2, 4, ..., interpolates one frame between each consecutive kept pair, and compares
// the interpolated frame i with the real frame 2i+1: score = (255 - mean over i of
// mean |real - interpolated| in [0, 255] units) / 255. With an even frame count the last real
// frame has no interpolated partner and is not compared, as in VBench.
#include "core/error.h"
#include "eval/frame_interpolation.h"
#include "eval/metrics.h"
#include "eval/no_reference_metric.h"

#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "motion_smoothness";
constexpr double kPixelMax = 255.0;
constexpr int kMinFrames = 3;

}  // namespace

double motion_smoothness(const VideoView& video, const FlowOptions& flow_options) {
  with_context(kName, [&] { check_video(video, "output"); });
  if (video.frames < kMinFrames) {
    fail("{}: needs at least {} frames, got a video of shape {} (TxHxWxC)", kName, kMinFrames, shape_string(video));
  }
  int midpoints = (video.frames - 1) / 2;
  std::size_t frame_size = video.frame_size();
  double total = 0.0;
  for (int i = 0; i < midpoints; ++i) {
    std::vector<float> interpolated =
        with_context(kName, [&] { return interpolate_midpoint(video, 2 * i, 2 * i + 2, flow_options); });
    const float* real = video.frame(2 * i + 1);
    double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) schedule(static) if (parallel_worth(video.height, video.width))
    for (std::size_t k = 0; k < frame_size; ++k) {
      sum += std::abs(kPixelMax * static_cast<double>(real[k]) - kPixelMax * static_cast<double>(interpolated[k]));
    }
    total += sum / static_cast<double>(frame_size);
  }
  double mean_difference = total / static_cast<double>(midpoints);
  return (kPixelMax - mean_difference) / kPixelMax;
}

std::unique_ptr<Metric> make_motion_smoothness_metric() {
  return std::make_unique<NoReferenceMetric>(kName, [](const VideoView& video) { return motion_smoothness(video); });
}

}  // namespace astraea::eval

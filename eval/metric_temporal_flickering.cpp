// VBench's temporal_flickering score, on the output video alone: the reference argument is
// ignored. Frames are scaled from [0, 1] to [0, 255] (without VBench's rounding to 8-bit
// integers, since the metric sees the float video before any encoding); the score is
// (255 - mean over consecutive frame pairs of the pair's mean absolute difference) / 255, so a
// static video scores 1 and one alternating between black and white scores 0.
#include "core/error.h"
#include "eval/metrics.h"
#include "eval/no_reference_metric.h"

#include <cmath>
#include <vector>

namespace astraea::eval {

namespace {

constexpr const char* kName = "temporal_flickering";
constexpr double kPixelMax = 255.0;

}  // namespace

double temporal_flickering(const VideoView& video) {
  with_context(kName, [&] { check_video(video, "output"); });
  if (video.frames < 2) {
    fail("{}: needs at least 2 frames, got a video of shape {} (TxHxWxC)", kName, shape_string(video));
  }
  int pairs = video.frames - 1;
  std::size_t frame_size = video.frame_size();
  std::vector<double> pair_mad(static_cast<std::size_t>(pairs));
#pragma omp parallel for schedule(static)
  for (int t = 0; t < pairs; ++t) {
    const float* first = video.frame(t);
    const float* second = video.frame(t + 1);
    double sum = 0.0;
    for (std::size_t i = 0; i < frame_size; ++i) {
      sum += std::abs(kPixelMax * static_cast<double>(first[i]) - kPixelMax * static_cast<double>(second[i]));
    }
    pair_mad[static_cast<std::size_t>(t)] = sum / static_cast<double>(frame_size);
  }
  double total = 0.0;
  for (double mad : pair_mad) {
    total += mad;
  }
  double mean_mad = total / static_cast<double>(pairs);
  return (kPixelMax - mean_mad) / kPixelMax;
}

std::unique_ptr<Metric> make_temporal_flickering_metric() {
  return std::make_unique<NoReferenceMetric>(kName, [](const VideoView& video) { return temporal_flickering(video); });
}

}  // namespace astraea::eval

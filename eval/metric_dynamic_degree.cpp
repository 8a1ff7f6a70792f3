// VBench's dynamic_degree as a per-video 0/1 metric on the output alone (the reference is
// ignored); the rule and its constants are documented in dynamic_degree.h.
#include "core/error.h"
#include "eval/dynamic_degree.h"
#include "eval/metrics.h"
#include "eval/no_reference_metric.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace astraea::eval {

namespace {

constexpr const char* kName = "dynamic_degree";

}  // namespace

int round_half_even(double value) { return static_cast<int>(std::nearbyint(value)); }

double top_flow_magnitude(const FlowField& flow) {
  Plane magnitude = flow_magnitude(flow);
  std::vector<float> values(magnitude.data(), magnitude.data() + magnitude.size());
  auto count = static_cast<std::size_t>(static_cast<double>(values.size()) * kDynamicTopFraction);
  count = std::clamp<std::size_t>(count, 1, values.size());
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count - 1), values.end(),
                   std::greater<>());
  double sum = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    sum += values[i];
  }
  return sum / static_cast<double>(count);
}

double dynamic_degree_threshold(int height, int width, double fps) {
  double factor = std::max(1.0, kDynamicReferenceFps / fps);
  return factor * kDynamicThresholdPx * static_cast<double>(std::min(height, width)) / kDynamicReferenceSide;
}

int dynamic_degree_required_pairs(int sampled_frames) {
  return round_half_even(kDynamicMovingPairsPer16Frames * static_cast<double>(sampled_frames) / 16.0);
}

bool dynamic_degree_moves(const std::vector<double>& pair_scores, double threshold, int required_pairs) {
  int count = 0;
  for (double score : pair_scores) {
    if (score > threshold) {
      ++count;
    }
    if (count >= required_pairs) {
      return true;
    }
  }
  return false;
}

DynamicDegreeResult dynamic_degree_details(const VideoView& video, const DynamicDegreeOptions& options) {
  with_context(kName, [&] { check_video(video, "output"); });
  if (!(options.fps > 0.0)) {
    fail("{}: fps must be positive, got {}", kName, options.fps);
  }
  DynamicDegreeResult result;
  int interval = std::max(1, round_half_even(options.fps / kDynamicReferenceFps));
  for (int t = 0; t < video.frames; t += interval) {
    result.frames.push_back(t);
  }
  if (result.frames.size() < 2) {
    fail("{}: needs at least 2 sampled frames, got {} from a video of shape {} (TxHxWxC) sampled every {} frames",
         kName, result.frames.size(), shape_string(video), interval);
  }
  result.threshold = dynamic_degree_threshold(video.height, video.width, options.fps);
  result.required_pairs = dynamic_degree_required_pairs(static_cast<int>(result.frames.size()));
  for (std::size_t i = 0; i + 1 < result.frames.size(); ++i) {
    FlowField flow = with_context(kName, [&] { return dense_flow(video, result.frames[i], result.frames[i + 1], options.flow); });
    double score = top_flow_magnitude(flow);
    result.pair_scores.push_back(score);
    if (score > result.threshold) {
      ++result.moving_pairs;
    }
  }
  result.dynamic = dynamic_degree_moves(result.pair_scores, result.threshold, result.required_pairs);
  return result;
}

double dynamic_degree(const VideoView& video, const DynamicDegreeOptions& options) {
  return dynamic_degree_details(video, options).dynamic ? 1.0 : 0.0;
}

std::unique_ptr<Metric> make_dynamic_degree_metric() {
  return std::make_unique<NoReferenceMetric>(kName, [](const VideoView& video) { return dynamic_degree(video); });
}

}  // namespace astraea::eval

#include "eval/feature_consistency.h"

#include "core/error.h"
#include "eval/no_reference_metric.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace astraea::eval {

namespace {

// Below this norm a feature counts as zero (PyTorch's F.normalize uses the same epsilon).
constexpr double kNormEpsilon = 1e-12;

std::vector<double> normalized(const std::vector<float>& feature) {
  double norm_sq = 0.0;
  for (float value : feature) {
    norm_sq += static_cast<double>(value) * value;
  }
  double norm = std::max(std::sqrt(norm_sq), kNormEpsilon);
  std::vector<double> unit(feature.size());
  for (std::size_t i = 0; i < feature.size(); ++i) {
    unit[i] = static_cast<double>(feature[i]) / norm;
  }
  return unit;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum += a[i] * b[i];
  }
  return sum;
}

}  // namespace

double feature_consistency(const std::vector<std::vector<float>>& features) {
  if (features.size() < 2) {
    fail("feature consistency needs at least 2 frames, got {}", features.size());
  }
  std::size_t length = features.front().size();
  if (length == 0) {
    fail("feature consistency: frame 0 has an empty feature vector");
  }
  std::vector<std::vector<double>> units;
  units.reserve(features.size());
  for (std::size_t t = 0; t < features.size(); ++t) {
    if (features[t].size() != length) {
      fail("feature consistency: frame {} has {} features, frame 0 has {}", t, features[t].size(), length);
    }
    units.push_back(normalized(features[t]));
  }
  double total = 0.0;
  for (std::size_t t = 1; t < units.size(); ++t) {
    double to_previous = std::max(0.0, dot(units[t - 1], units[t]));
    double to_first = std::max(0.0, dot(units[0], units[t]));
    total += 0.5 * (to_previous + to_first);
  }
  return total / static_cast<double>(units.size() - 1);
}

double feature_consistency(const VideoView& video, const FeatureExtractor& extractor, const std::string& metric_name) {
  return with_context(metric_name, [&] {
    check_video(video, "output");
    if (video.frames < 2) {
      fail("needs at least 2 frames, got a video of shape {} (TxHxWxC)", shape_string(video));
    }
    return with_context(extractor.name(), [&] { return feature_consistency(extractor.extract_all(video)); });
  });
}

std::unique_ptr<Metric> make_feature_consistency_metric(std::string name,
                                                         std::shared_ptr<const FeatureExtractor> extractor) {
  if (!extractor) {
    fail("{}: a feature-consistency metric needs an extractor", name);
  }
  std::string metric_name = name;
  return std::make_unique<NoReferenceMetric>(
      std::move(name), [metric_name = std::move(metric_name), extractor = std::move(extractor)](const VideoView& video) {
        return feature_consistency(video, *extractor, metric_name);
      });
}

}  // namespace astraea::eval

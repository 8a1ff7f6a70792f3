// VBench's subject/background consistency formula on per-frame features: with each feature
// L2-normalised, frame t >= 1 scores
//   (max(0, cos(f[t-1], f[t])) + max(0, cos(f[0], f[t]))) / 2
// and the video scores the mean over t >= 1. A zero vector normalises to zero (as PyTorch's
// F.normalize does), so its cosines are 0.
#pragma once

#include "eval/feature_extractor.h"
#include "eval/metric.h"
#include "eval/video.h"

#include <memory>
#include <string>
#include <vector>

namespace astraea::eval {

// Throws astraea::Error for fewer than 2 frames or vectors of different (or zero) lengths.
double feature_consistency(const std::vector<std::vector<float>>& features);

// The formula on `extractor`'s features of every frame of `video`, for the metric called
// `metric_name` (subject_consistency, background_consistency): errors name the metric and, for
// the extractor's own, the extractor. Throws astraea::Error for fewer than 2 frames.
double feature_consistency(const VideoView& video, const FeatureExtractor& extractor, const std::string& metric_name);

// The no-reference metric `name` scoring feature_consistency(video, *extractor, name) in [0, 1].
std::unique_ptr<Metric> make_feature_consistency_metric(std::string name,
                                                         std::shared_ptr<const FeatureExtractor> extractor);

}  // namespace astraea::eval

// The quality proxy: VBench's quality dimensions computed with classical stand-ins, normalised
// and weighted as VBench's final score does (FRAMEWORK.md section 4). It is not VBench and must
// never be reported as VBench or VBench Total.
//
//   normalised(d) = (raw(d) - Min(d)) / (Max(d) - Min(d)) * weight(d)      (not clipped, as VBench)
//   quality proxy = sum of normalised(d) / sum of weight(d), over the dimensions computed
//
// VBench's Quality score divides by 6.5, the weights of its seven quality dimensions.
// aesthetic_quality has no classical stand-in worth the name and is not computed, so the
// proxy divides by the weights of the six dimensions it has (5.5); its range is that of a
// normalised dimension. The proxy is meant as a relative number: the delta of a method
// against the dense output of the same model, prompt and seed.
#pragma once

#include "eval/feature_extractor.h"
#include "eval/metric.h"
#include "eval/video.h"

#include <array>
#include <map>
#include <string>
#include <string_view>

namespace astraea::eval {

struct QualityDimension {
  std::string_view name;
  double min = 0.0;     // VBench's normalisation Min
  double max = 1.0;     // VBench's normalisation Max
  double weight = 1.0;  // VBench's weight
  bool computed = true;  // false: no classical stand-in here (reported as N/A)
};

inline constexpr double kDynamicDegreeWeight = 0.5;
inline constexpr double kSubjectConsistencyMin = 0.1462;
inline constexpr double kBackgroundConsistencyMin = 0.2615;
inline constexpr double kTemporalFlickeringMin = 0.6293;
inline constexpr double kMotionSmoothnessMin = 0.706;
inline constexpr double kMotionSmoothnessMax = 0.9975;

// VBench's seven quality dimensions, in VBench's order.
inline constexpr std::array<QualityDimension, 7> kQualityDimensions{{
    {"subject_consistency", kSubjectConsistencyMin, 1.0, 1.0, true},
    {"background_consistency", kBackgroundConsistencyMin, 1.0, 1.0, true},
    {"temporal_flickering", kTemporalFlickeringMin, 1.0, 1.0, true},
    {"motion_smoothness", kMotionSmoothnessMin, kMotionSmoothnessMax, 1.0, true},
    {"dynamic_degree", 0.0, 1.0, kDynamicDegreeWeight, true},
    {"aesthetic_quality", 0.0, 1.0, 1.0, false},
    {"imaging_quality", 0.0, 1.0, 1.0, true},
}};

struct QualityProxyScores {
  std::map<std::string, double> raw;         // per computed dimension
  std::map<std::string, double> normalized;  // (raw - Min) / (Max - Min) * weight
  double score = 0.0;                        // sum of normalized / sum of computed weights
};

// (raw - Min) / (Max - Min) * weight of the named dimension; throws astraea::Error for a name
// that is not a quality dimension.
double normalize_quality_dimension(std::string_view name, double raw);

// The aggregate from raw values: every computed dimension must be present; throws
// astraea::Error naming the missing ones. Extra keys are an error too.
QualityProxyScores quality_proxy_from_raw(const std::map<std::string, double>& raw);

// Feature extractors for the consistency dimensions; null keeps the built-in classical descriptor.
struct QualityProxyFeatures {
  const FeatureExtractor* subject = nullptr;     // VBench uses DINO ViT-B/16
  const FeatureExtractor* background = nullptr;  // VBench uses CLIP ViT-B/32
};

// Computes every computed dimension on `video` (with the registry's default metrics, or the given
// feature extractors for the consistency dimensions) and aggregates them. Needs at least 3 frames
// (motion_smoothness).
QualityProxyScores quality_proxy(const VideoView& video, const QualityProxyFeatures& features = {});

// 100 * (method - dense) / |dense|; throws astraea::Error when dense is 0.
double quality_proxy_delta_percent(double method, double dense);

// The bounds of the proxy when every raw dimension lies in [0, 1].
MetricRange quality_proxy_range();

}  // namespace astraea::eval

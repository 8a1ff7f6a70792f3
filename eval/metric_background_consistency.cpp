// VBench's background_consistency on the output video alone (the reference is ignored): the
// formula of feature_consistency.h on one feature vector per frame. VBench uses CLIP ViT-B/32
// features; here the extractor is pluggable, and the default is the built-in classical
// descriptor with its background preset (classical_descriptor.h).
#include "eval/classical_descriptor.h"
#include "eval/feature_consistency.h"
#include "eval/metrics.h"

#include <utility>

namespace astraea::eval {

namespace {

constexpr const char* kName = "background_consistency";

}  // namespace

double background_consistency(const VideoView& video, const FeatureExtractor& extractor) {
  return feature_consistency(video, extractor, kName);
}

double background_consistency(const VideoView& video) {
  return background_consistency(video, ClassicalDescriptor(background_descriptor_options()));
}

std::unique_ptr<Metric> make_background_consistency_metric(std::shared_ptr<const FeatureExtractor> extractor) {
  if (!extractor) {
    extractor = std::make_shared<ClassicalDescriptor>(background_descriptor_options());
  }
  return make_feature_consistency_metric(kName, std::move(extractor));
}

}  // namespace astraea::eval

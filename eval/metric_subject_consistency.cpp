// VBench's subject_consistency on the output video alone (the reference is ignored): the
// formula of feature_consistency.h on one feature vector per frame. VBench uses DINO ViT-B/16
// features; here the extractor is pluggable, and the default is the built-in classical
// descriptor with its subject preset (classical_descriptor.h).
#include "eval/classical_descriptor.h"
#include "eval/feature_consistency.h"
#include "eval/metrics.h"

#include <utility>

namespace astraea::eval {

namespace {

constexpr const char* kName = "subject_consistency";

}  // namespace

double subject_consistency(const VideoView& video, const FeatureExtractor& extractor) {
  return feature_consistency(video, extractor, kName);
}

double subject_consistency(const VideoView& video) {
  return subject_consistency(video, ClassicalDescriptor(subject_descriptor_options()));
}

std::unique_ptr<Metric> make_subject_consistency_metric(std::shared_ptr<const FeatureExtractor> extractor) {
  if (!extractor) {
    extractor = std::make_shared<ClassicalDescriptor>(subject_descriptor_options());
  }
  return make_feature_consistency_metric(kName, std::move(extractor));
}

}  // namespace astraea::eval

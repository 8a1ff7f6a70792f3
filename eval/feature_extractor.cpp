#include "eval/feature_extractor.h"

#include "core/error.h"

namespace astraea::eval {

std::vector<std::vector<float>> FeatureExtractor::extract_all(const VideoView& video) const {
  check_video(video, "input");
  std::vector<std::vector<float>> features;
  features.reserve(static_cast<std::size_t>(video.frames));
  for (int t = 0; t < video.frames; ++t) {
    features.push_back(extract(video, t));
  }
  return features;
}

}  // namespace astraea::eval

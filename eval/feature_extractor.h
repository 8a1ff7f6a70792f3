// The seam for per-frame image features: subject_consistency and background_consistency score
// a video from one feature vector per frame. eval/ ships a classical descriptor
// (classical_descriptor.h); a network (DINO, CLIP) plugs in from a torch-linked layer by
// implementing this interface.
#pragma once

#include "eval/video.h"

#include <string>
#include <vector>

namespace astraea::eval {

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;

  // Names the extractor in messages and records ("classical_descriptor", "dino_vitb16", ...).
  virtual std::string name() const = 0;

  // The feature vector of frame t; every frame of a video must give the same length. Throws
  // astraea::Error for a frame it cannot handle.
  virtual std::vector<float> extract(const VideoView& video, int t) const = 0;

  // One vector per frame, in order. The default calls extract() frame by frame; an extractor
  // that batches (a network) overrides it.
  virtual std::vector<std::vector<float>> extract_all(const VideoView& video) const;
};

}  // namespace astraea::eval

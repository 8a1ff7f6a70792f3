// The world's checker network (model/checker_network.h) as a feature extractor for the quality
// proxy's consistency dimensions, and as the judge of prompt adherence: which shape, colour and
// direction a generated clip shows.
#pragma once

#include "eval/feature_extractor.h"
#include "model/checker_network.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace astraea::pipeline {

class CheckerFeatureExtractor final : public eval::FeatureExtractor {
 public:
  CheckerFeatureExtractor(model::CheckerNetwork network, c10::Device device);

  std::string name() const override { return "world_checker"; }
  std::vector<float> extract(const eval::VideoView& video, int t) const override;
  // All frames in one forward call.
  std::vector<std::vector<float>> extract_all(const eval::VideoView& video) const override;

  struct Prediction {
    std::int64_t shape, colour, direction;  // the data::Shape, Colour, Direction ids
    std::vector<double> shape_probabilities = {};  // softmax of the shape head, by Shape id
  };
  // frames [1, F, H, W, C] in [0, 1], F, H, W the checker's. Throws astraea::Error naming both
  // sizes when they differ.
  Prediction predict(const at::Tensor& frames) const;

 private:
  mutable model::CheckerNetwork network_;
  c10::Device device_;
};

}  // namespace astraea::pipeline

// A network feature extractor for the quality proxy's consistency dimensions, loaded from a
// TorchScript file so users can export DINO or CLIP from Python once. Contract of the module:
// forward(frames) with frames [T, 3, H, W] float32 in [0, 1] returns features [T, D].
// (scripts/make_feature_fixture.py writes a small one for the tests.)
#pragma once

#include "eval/feature_extractor.h"

#include <c10/core/Device.h>

#include <filesystem>
#include <memory>

namespace astraea::pipeline {

class TorchScriptFeatureExtractor final : public eval::FeatureExtractor {
 public:
  // Throws astraea::Error naming the file when it is missing or not a TorchScript module.
  TorchScriptFeatureExtractor(const std::filesystem::path& file, c10::Device device);
  ~TorchScriptFeatureExtractor() override;

  std::string name() const override;
  std::vector<float> extract(const eval::VideoView& video, int t) const override;
  // All frames in one forward call.
  std::vector<std::vector<float>> extract_all(const eval::VideoView& video) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astraea::pipeline

// Prompt adherence on the procedural world: the share of generations whose clip the checker reads
// as the shape, colour and direction their prompt states (this world's stand-in for VBench's
// object-class, colour and motion-direction dimensions).
#pragma once

#include "pipeline/checker_features.h"
#include "results/store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace astraea::driver {

class PromptAdherence {
 public:
  // Throws astraea::Error quoting the prompt when it is not one of the world's. `generation` names
  // the clip in the per-generation readings (e.g. "p3_s42").
  void add(const pipeline::CheckerFeatureExtractor::Prediction& prediction, const std::string& prompt, const std::string& generation = "");
  // checker_shape_accuracy, checker_colour_accuracy, checker_direction_accuracy and
  // checker_accuracy (all three right); empty when nothing was added.
  std::vector<results::Metric> metrics() const;
  // Per attribute, which value the prompts stated (rows) against which the checker read (columns),
  // as JSON text: {"shape": {"labels": ["square", ...], "counts": [[...], ...]}, "colour": ...,
  // "direction": ...}, and "generations": what the checker read of each clip, in the order added
  // ({"generation", "prompt", "shape", "colour", "direction", "shape_probabilities"}), so the
  // misread clips can be found and looked at.
  std::string confusion_json() const;
  int count() const { return count_; }

 private:
  int count_ = 0;
  int shape_ = 0, colour_ = 0, direction_ = 0, all_ = 0;
  std::vector<std::vector<int>> shape_confusion_, colour_confusion_, direction_confusion_;
  nlohmann::json readings_ = nlohmann::json::array();
};

}  // namespace astraea::driver

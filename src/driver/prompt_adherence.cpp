#include "driver/prompt_adherence.h"

#include "data/prompt.h"

namespace astraea::driver {

void PromptAdherence::add(const pipeline::CheckerFeatureExtractor::Prediction& prediction, const std::string& prompt) {
  const auto labels = data::parse_prompt(prompt);
  const bool shape = prediction.shape == static_cast<std::int64_t>(labels.shape);
  const bool colour = prediction.colour == static_cast<std::int64_t>(labels.colour);
  const bool direction = prediction.direction == static_cast<std::int64_t>(labels.direction);
  ++count_;
  shape_ += shape;
  colour_ += colour;
  direction_ += direction;
  all_ += shape && colour && direction;
}

std::vector<results::Metric> PromptAdherence::metrics() const {
  if (count_ == 0) return {};
  const auto rate = [&](int hits) { return static_cast<double>(hits) / count_; };
  return {{"checker_shape_accuracy", 0, rate(shape_)},
          {"checker_colour_accuracy", 0, rate(colour_)},
          {"checker_direction_accuracy", 0, rate(direction_)},
          {"checker_accuracy", 0, rate(all_)}};
}

}  // namespace astraea::driver

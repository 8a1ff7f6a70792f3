#include "driver/prompt_adherence.h"

#include "core/error.h"
#include "data/prompt.h"

#include <nlohmann/json.hpp>

namespace astraea::driver {
namespace {

// counts[stated][read] += 1, the table sized on first use.
void tally(std::vector<std::vector<int>>& counts, int classes, std::int64_t stated, std::int64_t read, const char* attribute) {
  if (read < 0 || read >= classes) fail("prompt adherence: the checker read {} class {}, outside [0, {})", attribute, read, classes);
  if (counts.empty()) counts.assign(static_cast<std::size_t>(classes), std::vector<int>(static_cast<std::size_t>(classes), 0));
  ++counts[static_cast<std::size_t>(stated)][static_cast<std::size_t>(read)];
}

template <typename Enum>
nlohmann::json table(const std::vector<std::vector<int>>& counts, int classes) {
  nlohmann::json labels = nlohmann::json::array();
  for (int c = 0; c < classes; ++c) labels.push_back(std::string(data::word(static_cast<Enum>(c))));
  return {{"labels", labels}, {"counts", counts}};
}

}  // namespace

void PromptAdherence::add(const pipeline::CheckerFeatureExtractor::Prediction& prediction, const std::string& prompt, const std::string& generation) {
  const auto labels = data::parse_prompt(prompt);
  tally(shape_confusion_, data::kShapeCount, static_cast<std::int64_t>(labels.shape), prediction.shape, "shape");
  tally(colour_confusion_, data::kColourCount, static_cast<std::int64_t>(labels.colour), prediction.colour, "colour");
  tally(direction_confusion_, data::kDirectionCount, static_cast<std::int64_t>(labels.direction), prediction.direction, "direction");
  const bool shape = prediction.shape == static_cast<std::int64_t>(labels.shape);
  const bool colour = prediction.colour == static_cast<std::int64_t>(labels.colour);
  const bool direction = prediction.direction == static_cast<std::int64_t>(labels.direction);
  readings_.push_back({{"generation", generation},
                       {"prompt", prompt},
                       {"shape", std::string(data::word(static_cast<data::Shape>(prediction.shape)))},
                       {"colour", std::string(data::word(static_cast<data::Colour>(prediction.colour)))},
                       {"direction", std::string(data::word(static_cast<data::Direction>(prediction.direction)))},
                       {"shape_probabilities", prediction.shape_probabilities}});
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

std::string PromptAdherence::confusion_json() const {
  const nlohmann::json confusion = {{"rows", "the value the prompt states"},
                                    {"columns", "the value the checker reads"},
                                    {"shape", table<data::Shape>(shape_confusion_, data::kShapeCount)},
                                    {"colour", table<data::Colour>(colour_confusion_, data::kColourCount)},
                                    {"direction", table<data::Direction>(direction_confusion_, data::kDirectionCount)},
                                    {"generations", readings_}};
  return confusion.dump(2);
}

}  // namespace astraea::driver

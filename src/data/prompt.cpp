#include "data/prompt.h"

#include "core/error.h"
#include "core/strings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <optional>

namespace astraea::data {
namespace {

constexpr std::array<std::string_view, kConnectingWordCount> kConnectingWords = {"a", "moves", "on", "background"};

// The five attributes a prompt states, in the order parse_prompt reports them.
enum class Attribute { kColour, kShape, kDirection, kSpeed, kBackground };
constexpr int kAttributeCount = 5;
constexpr std::array<std::string_view, kAttributeCount> kAttributeNames = {"colour", "shape", "direction", "speed",
                                                                           "background"};
constexpr std::array<int, kAttributeCount> kAttributeSizes = {kColourCount, kShapeCount, kDirectionCount, kSpeedCount,
                                                              kBackgroundCount};

std::string_view attribute_word(Attribute attribute, int value) {
  switch (attribute) {
    case Attribute::kColour:
      return word(static_cast<Colour>(value));
    case Attribute::kShape:
      return word(static_cast<Shape>(value));
    case Attribute::kDirection:
      return word(static_cast<Direction>(value));
    case Attribute::kSpeed:
      return word(static_cast<Speed>(value));
    case Attribute::kBackground:
      return word(static_cast<Background>(value));
  }
  fail("attribute id {} is out of range", static_cast<int>(attribute));
}

std::vector<std::string> attribute_words(Attribute attribute) {
  std::vector<std::string> words;
  for (int value = 0; value < kAttributeSizes[static_cast<std::size_t>(attribute)]; ++value) {
    words.emplace_back(attribute_word(attribute, value));
  }
  return words;
}

struct WordMeaning {
  Attribute attribute;
  int value;
};

// What `w` states, or nothing for a connecting word; throws for a word outside the vocabulary.
std::optional<WordMeaning> meaning(const std::string& w) {
  for (const auto connecting : kConnectingWords) {
    if (w == connecting) return std::nullopt;
  }
  for (int a = 0; a < kAttributeCount; ++a) {
    const auto attribute = static_cast<Attribute>(a);
    for (int value = 0; value < kAttributeSizes[static_cast<std::size_t>(a)]; ++value) {
      if (attribute_word(attribute, value) == w) return WordMeaning{attribute, value};
    }
  }
  if (const auto suggestion = closest_match(w, world_words())) {
    fail("unknown word \"{}\"; did you mean \"{}\"?", w, *suggestion);
  }
  fail("unknown word \"{}\"; the vocabulary is: {}", w, fmt::join(world_words(), ", "));
}

}  // namespace

const std::vector<std::string>& world_words() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> all(kConnectingWords.begin(), kConnectingWords.end());
    for (int a = 0; a < kAttributeCount; ++a) {
      const std::vector<std::string> group = attribute_words(static_cast<Attribute>(a));
      all.insert(all.end(), group.begin(), group.end());
    }
    return all;
  }();
  return words;
}

Tokenizer world_tokenizer(TokenizerOptions options) { return Tokenizer(world_words(), options); }

std::string prompt_for(const SceneLabels& labels) {
  return fmt::format("a {} {} moves {} {} on a {} background", word(labels.colour), word(labels.shape),
                     word(labels.direction), word(labels.speed), word(labels.background));
}

SceneLabels parse_prompt(std::string_view text) {
  return with_context(fmt::format("prompt \"{}\"", text), [&] {
    std::array<std::optional<int>, kAttributeCount> values;
    std::array<std::string, kAttributeCount> seen_words;
    for (const auto& w : split_words(text)) {
      const auto stated = meaning(w);
      if (!stated) continue;
      const auto a = static_cast<std::size_t>(stated->attribute);
      if (values[a]) fail("states the {} twice, \"{}\" and \"{}\"", kAttributeNames[a], seen_words[a], w);
      values[a] = stated->value;
      seen_words[a] = w;
    }
    for (std::size_t a = 0; a < values.size(); ++a) {
      if (!values[a]) {
        fail("states no {} (one of {})", kAttributeNames[a], fmt::join(attribute_words(static_cast<Attribute>(a)), ", "));
      }
    }
    SceneLabels labels;
    labels.colour = static_cast<Colour>(*values[static_cast<std::size_t>(Attribute::kColour)]);
    labels.shape = static_cast<Shape>(*values[static_cast<std::size_t>(Attribute::kShape)]);
    labels.direction = static_cast<Direction>(*values[static_cast<std::size_t>(Attribute::kDirection)]);
    labels.speed = static_cast<Speed>(*values[static_cast<std::size_t>(Attribute::kSpeed)]);
    labels.background = static_cast<Background>(*values[static_cast<std::size_t>(Attribute::kBackground)]);
    return labels;
  });
}

}  // namespace astraea::data

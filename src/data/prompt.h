// The world's prompts and their fixed vocabulary. Every prompt has one form:
//
//   "a <colour> <shape> moves <direction> <speed> on a <background> background"
//   e.g. "a red square moves left quickly on a striped background"
//
// The vocabulary is the four connecting words ("a", "moves", "on", "background") followed by the
// colour, shape, direction, speed and background words in their enums' order; the tokenizer puts
// its three special tokens first, so "a" is id 3 and the vocabulary holds kWorldVocabularySize
// tokens.
#pragma once

#include "data/scene_labels.h"
#include "data/tokenizer.h"

#include <string>
#include <string_view>
#include <vector>

namespace astraea::data {

inline constexpr int kConnectingWordCount = 4;
inline constexpr int kWorldWordCount =
    kConnectingWordCount + kColourCount + kShapeCount + kDirectionCount + kSpeedCount + kBackgroundCount;
inline constexpr int kWorldVocabularySize = static_cast<int>(kSpecialTokenCount) + kWorldWordCount;
// Words in every prompt (the form above has ten).
inline constexpr int kPromptWordCount = 10;

// The world's words in vocabulary order (no special tokens).
const std::vector<std::string>& world_words();

// A tokenizer over world_words().
Tokenizer world_tokenizer(TokenizerOptions options = {});

std::string prompt_for(const SceneLabels& labels);

// The labels a prompt states. Lenient about form: case, punctuation, word order and the
// connecting words do not matter. Throws astraea::Error quoting the prompt for a word outside
// the vocabulary (naming the closest known word), a missing attribute (listing its words) or an
// attribute stated twice.
SceneLabels parse_prompt(std::string_view text);

}  // namespace astraea::data

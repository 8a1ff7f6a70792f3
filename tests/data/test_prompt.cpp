// Prompts: the stated form by hand, parse_prompt as the inverse of prompt_for over every
// combination, its leniency and errors, and the world vocabulary's pinned ids.
#include "data/prompt.h"
#include "support/catch.h"

#include <set>

using namespace astraea::data;

TEST_CASE("prompt_for states all five attributes in the fixed form", "[data][prompt]") {
  const SceneLabels labels{Shape::kSquare, Colour::kRed, Direction::kLeft, Speed::kFast, Background::kStriped};
  CHECK(prompt_for(labels) == "a red square moves left quickly on a striped background");
  const SceneLabels other{Shape::kCross, Colour::kCyan, Direction::kDown, Speed::kSlow, Background::kGradient};
  CHECK(prompt_for(other) == "a cyan cross moves down slowly on a gradient background");
}

TEST_CASE("parse_prompt inverts prompt_for over every combination", "[data][prompt]") {
  std::set<std::string> prompts;
  for (int i = 0; i < kSceneLabelCombinations; ++i) {
    const SceneLabels labels = scene_labels_at(i);
    const std::string prompt = prompt_for(labels);
    CHECK(parse_prompt(prompt) == labels);
    prompts.insert(prompt);
  }
  CHECK(kSceneLabelCombinations == 5 * 6 * 4 * 2 * 5);
  CHECK(prompts.size() == 1200u);  // no two combinations share a prompt
}

TEST_CASE("parse_prompt ignores case, punctuation, order and connecting words", "[data][prompt]") {
  const SceneLabels expected{Shape::kTriangle, Colour::kPurple, Direction::kUp, Speed::kSlow, Background::kGray};
  CHECK(parse_prompt("A PURPLE triangle, moves up slowly -- on a gray background!") == expected);
  CHECK(parse_prompt("gray slowly up triangle purple") == expected);
}

TEST_CASE("parse_prompt errors quote the prompt and say what is wrong", "[data][prompt]") {
  CHECK_THROWS_WITH(parse_prompt("a red sqaure moves left quickly on a black background"),
                    Catch::Contains("prompt \"a red sqaure moves left quickly on a black background\": unknown word "
                                    "\"sqaure\"; did you mean \"square\"?"));
  CHECK_THROWS_WITH(parse_prompt("a red square moves left quickly on a zebra background"),
                    Catch::Contains("unknown word \"zebra\"; the vocabulary is: a, moves, on, background, red"));
  CHECK_THROWS_WITH(parse_prompt("a red square moves left quickly"),
                    Catch::Contains("states no background (one of black, white, gray, striped, gradient)"));
  CHECK_THROWS_WITH(parse_prompt("a red square moves left quickly on a blue background"),
                    Catch::Contains("states the colour twice, \"red\" and \"blue\""));
}

TEST_CASE("the world vocabulary is fixed: size and ids are pinned", "[data][prompt]") {
  // Trained embeddings index these ids; a change here invalidates committed weights.
  const Tokenizer tokenizer = world_tokenizer();
  CHECK(kWorldVocabularySize == 29);
  CHECK(tokenizer.vocabulary_size() == 29u);
  CHECK(world_words().size() == 26u);
  const std::vector<std::pair<std::string, std::int64_t>> pinned = {
      {"a", 3},       {"moves", 4},   {"on", 5},       {"background", 6}, {"red", 7},      {"cyan", 12},
      {"square", 13}, {"cross", 17},  {"left", 18},    {"down", 21},      {"slowly", 22},  {"quickly", 23},
      {"black", 24},  {"gray", 26},   {"gradient", 28}};
  for (const auto& [word_text, id] : pinned) {
    INFO(word_text);
    CHECK(tokenizer.id(word_text) == id);
  }
}

TEST_CASE("every prompt tokenizes to known words and decodes back", "[data][prompt]") {
  const Tokenizer tokenizer = world_tokenizer();
  for (int i = 0; i < kSceneLabelCombinations; ++i) {
    const std::string prompt = prompt_for(scene_labels_at(i));
    const Encoding encoding = tokenizer.encode(prompt, 16);
    int mask_sum = 0;
    for (const auto m : encoding.mask) mask_sum += static_cast<int>(m);
    CHECK(mask_sum == kPromptWordCount + 1);
    CHECK(encoding.ids[static_cast<std::size_t>(kPromptWordCount)] == kEosId);
    for (int k = 0; k < kPromptWordCount; ++k) CHECK(encoding.ids[static_cast<std::size_t>(k)] >= kSpecialTokenCount);
    CHECK(tokenizer.decode(encoding.ids) == prompt);
  }
}

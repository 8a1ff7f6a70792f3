// The scene attributes: combinations enumerated in class-id order, every word distinct, and the
// object colours far apart and far from grey, as the header claims.
#include "core/error.h"
#include "data/scene_labels.h"
#include "support/catch.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

using namespace astraea::data;

TEST_CASE("scene_labels_at enumerates combinations with background fastest", "[data][labels]") {
  CHECK(scene_labels_at(0) == SceneLabels{Shape::kSquare, Colour::kRed, Direction::kLeft, Speed::kSlow, Background::kBlack});
  CHECK(scene_labels_at(1).background == Background::kWhite);
  CHECK(scene_labels_at(5).speed == Speed::kFast);
  CHECK(scene_labels_at(kSceneLabelCombinations - 1) ==
        SceneLabels{Shape::kCross, Colour::kCyan, Direction::kDown, Speed::kFast, Background::kGradient});
  CHECK_THROWS_AS(scene_labels_at(kSceneLabelCombinations), astraea::Error);
  CHECK_THROWS_AS(scene_labels_at(-1), astraea::Error);
}

TEST_CASE("object colours are at least 0.45 apart in RGB and none is grey", "[data][labels]") {
  for (int a = 0; a < kColourCount; ++a) {
    const Rgb first = rgb(static_cast<Colour>(a));
    // Chroma (max - min channel) well above zero: every background is grey.
    CHECK(*std::max_element(first.begin(), first.end()) - *std::min_element(first.begin(), first.end()) > 0.6F);
    for (int b = a + 1; b < kColourCount; ++b) {
      const Rgb second = rgb(static_cast<Colour>(b));
      double squared = 0.0;
      for (std::size_t c = 0; c < 3; ++c) squared += (first[c] - second[c]) * (first[c] - second[c]);
      INFO(word(static_cast<Colour>(a)) << " vs " << word(static_cast<Colour>(b)));
      CHECK(std::sqrt(squared) >= 0.45);
    }
  }
}

TEST_CASE("all 22 attribute words are distinct and out-of-range ids are errors", "[data][labels]") {
  std::set<std::string> words;
  for (int i = 0; i < kShapeCount; ++i) words.emplace(word(static_cast<Shape>(i)));
  for (int i = 0; i < kColourCount; ++i) words.emplace(word(static_cast<Colour>(i)));
  for (int i = 0; i < kDirectionCount; ++i) words.emplace(word(static_cast<Direction>(i)));
  for (int i = 0; i < kSpeedCount; ++i) words.emplace(word(static_cast<Speed>(i)));
  for (int i = 0; i < kBackgroundCount; ++i) words.emplace(word(static_cast<Background>(i)));
  CHECK(words.size() == 22u);
  CHECK_THROWS_WITH(word(static_cast<Shape>(kShapeCount)), Catch::Contains("shape id 5 is out of range [0, 5)"));
  CHECK_THROWS_AS(rgb(static_cast<Colour>(kColourCount)), astraea::Error);
}

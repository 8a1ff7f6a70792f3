// What a scene of the procedural world is about: one shape of one colour moving in one direction
// at one speed over one background. These five attributes are what a prompt says and what the
// checker's heads predict; the enums' order is also the order of their words in the vocabulary
// and of the class ids, so append new values at the end only (trained weights depend on it).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace astraea::data {

enum class Shape { kSquare, kCircle, kTriangle, kDiamond, kCross };
enum class Colour { kRed, kGreen, kBlue, kYellow, kPurple, kCyan };
enum class Direction { kLeft, kRight, kUp, kDown };
enum class Speed { kSlow, kFast };
enum class Background { kBlack, kWhite, kGray, kStriped, kGradient };

inline constexpr int kShapeCount = 5;
inline constexpr int kColourCount = 6;
inline constexpr int kDirectionCount = 4;
inline constexpr int kSpeedCount = 2;
inline constexpr int kBackgroundCount = 5;

// The categorical description of a scene; equality compares all five attributes.
struct SceneLabels {
  Shape shape = Shape::kSquare;
  Colour colour = Colour::kRed;
  Direction direction = Direction::kRight;
  Speed speed = Speed::kSlow;
  Background background = Background::kBlack;

  bool operator==(const SceneLabels&) const = default;
};

// The word a prompt uses for each value ("square", "red", "left", "quickly", "striped").
std::string_view word(Shape shape);
std::string_view word(Colour colour);
std::string_view word(Direction direction);
std::string_view word(Speed speed);
std::string_view word(Background background);

// An object colour as linear RGB in [0, 1].
using Rgb = std::array<float, 3>;
Rgb rgb(Colour colour);

// Every combination of the five attributes, in lexicographic order of their class ids
// (shape slowest, background fastest): kShapeCount * ... * kBackgroundCount entries.
inline constexpr int kSceneLabelCombinations = kShapeCount * kColourCount * kDirectionCount * kSpeedCount * kBackgroundCount;
SceneLabels scene_labels_at(int combination);

}  // namespace astraea::data

#include "data/scene_labels.h"

#include "core/error.h"

namespace astraea::data {
namespace {

constexpr std::array<std::string_view, kShapeCount> kShapeWords = {"square", "circle", "triangle", "diamond", "cross"};
constexpr std::array<std::string_view, kColourCount> kColourWords = {"red", "green", "blue", "yellow", "purple", "cyan"};
constexpr std::array<std::string_view, kDirectionCount> kDirectionWords = {"left", "right", "up", "down"};
constexpr std::array<std::string_view, kSpeedCount> kSpeedWords = {"slowly", "quickly"};
constexpr std::array<std::string_view, kBackgroundCount> kBackgroundWords = {"black", "white", "gray", "striped", "gradient"};

// Saturated and far apart in RGB (no two closer than 0.45), and none grey, so each stands out
// from every background, which is grey everywhere.
constexpr std::array<Rgb, kColourCount> kColourRgb = {{
    {0.90F, 0.12F, 0.12F},  // red
    {0.12F, 0.78F, 0.20F},  // green
    {0.15F, 0.30F, 0.95F},  // blue
    {0.95F, 0.88F, 0.10F},  // yellow
    {0.62F, 0.20F, 0.88F},  // purple
    {0.10F, 0.85F, 0.88F},  // cyan
}};

template <typename Enum, std::size_t N>
std::string_view lookup(const std::array<std::string_view, N>& words, Enum value, std::string_view what) {
  const auto index = static_cast<std::size_t>(value);
  if (index >= N) fail("{} id {} is out of range [0, {})", what, index, N);
  return words[index];
}

}  // namespace

std::string_view word(Shape shape) { return lookup(kShapeWords, shape, "shape"); }
std::string_view word(Colour colour) { return lookup(kColourWords, colour, "colour"); }
std::string_view word(Direction direction) { return lookup(kDirectionWords, direction, "direction"); }
std::string_view word(Speed speed) { return lookup(kSpeedWords, speed, "speed"); }
std::string_view word(Background background) { return lookup(kBackgroundWords, background, "background"); }

Rgb rgb(Colour colour) {
  const auto index = static_cast<std::size_t>(colour);
  if (index >= kColourRgb.size()) fail("colour id {} is out of range [0, {})", index, kColourRgb.size());
  return kColourRgb[index];
}

SceneLabels scene_labels_at(int combination) {
  if (combination < 0 || combination >= kSceneLabelCombinations) {
    fail("scene label combination {} is out of range [0, {})", combination, kSceneLabelCombinations);
  }
  SceneLabels labels;
  labels.background = static_cast<Background>(combination % kBackgroundCount);
  combination /= kBackgroundCount;
  labels.speed = static_cast<Speed>(combination % kSpeedCount);
  combination /= kSpeedCount;
  labels.direction = static_cast<Direction>(combination % kDirectionCount);
  combination /= kDirectionCount;
  labels.colour = static_cast<Colour>(combination % kColourCount);
  combination /= kColourCount;
  labels.shape = static_cast<Shape>(combination);
  return labels;
}

}  // namespace astraea::data

// The backgrounds, all grey, so every object colour stands out from them. A background depends
// on the pixel row only:
//
//   black     kBlackLevel everywhere
//   white     kWhiteLevel everywhere
//   gray      kGrayLevel everywhere
//   striped   kStripeBands horizontal bands of equal height, alternating kStripeDarkLevel (the
//             top band) and kStripeLightLevel: row y is in band floor(y * kStripeBands / height)
//   gradient  from kGradientTopLevel to kGradientBottomLevel, linear in the row's centre:
//             top + (bottom - top) * (y + 0.5) / height
#pragma once

#include "data/scene_labels.h"

namespace astraea::data {

inline constexpr float kBlackLevel = 0.05F;
inline constexpr float kWhiteLevel = 0.95F;
inline constexpr float kGrayLevel = 0.50F;
inline constexpr int kStripeBands = 8;
inline constexpr float kStripeDarkLevel = 0.30F;
inline constexpr float kStripeLightLevel = 0.55F;
inline constexpr float kGradientTopLevel = 0.10F;
inline constexpr float kGradientBottomLevel = 0.80F;

// The grey level of `background` at pixel row `row` of a frame `height` rows high.
float background_level(Background background, int row, int height);

}  // namespace astraea::data

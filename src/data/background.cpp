#include "data/background.h"

#include "core/error.h"

namespace astraea::data {

float background_level(Background background, int row, int height) {
  switch (background) {
    case Background::kBlack:
      return kBlackLevel;
    case Background::kWhite:
      return kWhiteLevel;
    case Background::kGray:
      return kGrayLevel;
    case Background::kStriped: {
      const int band = row * kStripeBands / height;
      return band % 2 == 0 ? kStripeDarkLevel : kStripeLightLevel;
    }
    case Background::kGradient: {
      const double position = (row + 0.5) / height;
      return static_cast<float>(kGradientTopLevel + (kGradientBottomLevel - kGradientTopLevel) * position);
    }
  }
  fail("background id {} is out of range [0, {})", static_cast<int>(background), kBackgroundCount);
}

}  // namespace astraea::data

#include "train/learning_rate.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace astraea::train {

double LearningRateSchedule::at(int step) const {
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const int span = std::max(1, total - warmup - 1);
  const double progress = std::clamp(static_cast<double>(step - warmup) / span, 0.0, 1.0);
  return peak * (floor + (1.0 - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

}  // namespace astraea::train

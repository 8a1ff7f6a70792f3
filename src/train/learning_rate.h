// The learning-rate schedule: linear warm-up from 0 to the peak over `warmup` steps, then cosine
// decay to `floor` x peak at the last step.
#pragma once

namespace astraea::train {

struct LearningRateSchedule {
  double peak = 3e-4;
  int warmup = 500;
  int total = 20000;
  double floor = 0.1;

  // Step s counts from 0; s >= total gives the floor.
  double at(int step) const;
};

}  // namespace astraea::train

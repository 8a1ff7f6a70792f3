// The training objective that matches the CogVideoX samplers: v-prediction on the same noise
// schedule (pipeline/noise_schedule.h). With a = alpha_bar(t):
//   x_t = sqrt(a) x0 + sqrt(1 - a) eps,     v = sqrt(a) eps - sqrt(1 - a) x0,
// so the samplers' x0 = sqrt(a) x_t - sqrt(1 - a) v recovers x0 from an exact v.
#pragma once

#include "pipeline/noise_schedule.h"

#include <ATen/core/Tensor.h>

namespace astraea::train {

struct NoisedSample {
  at::Tensor noisy;   // x_t, like x0
  at::Tensor target;  // v, like x0
};

// alpha_bar(t) for every training timestep: [train_timesteps] float64 on the CPU.
at::Tensor alpha_bar_table(const pipeline::NoiseSchedule& schedule);

// x0 and eps [B, ...] float32, timesteps [B] int64 in [0, train_timesteps), `table` from
// alpha_bar_table, all on one device (moved there once by the caller).
NoisedSample v_prediction_sample(const at::Tensor& table, const at::Tensor& x0, const at::Tensor& eps, const at::Tensor& timesteps);

}  // namespace astraea::train

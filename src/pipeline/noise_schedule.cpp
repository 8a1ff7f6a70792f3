#include "pipeline/noise_schedule.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cmath>

namespace astraea::pipeline {

NoiseSchedule::NoiseSchedule(const NoiseScheduleOptions& o) {
  if (o.train_timesteps < 2) fail("noise schedule: train_timesteps must be at least 2, got {}", o.train_timesteps);
  const auto betas = at::linspace(std::sqrt(o.beta_start), std::sqrt(o.beta_end), o.train_timesteps, at::kDouble).pow(2);
  auto alpha_bar = at::cumprod(1.0 - betas, 0);
  alpha_bar = alpha_bar / (o.snr_shift_scale + (1.0 - o.snr_shift_scale) * alpha_bar);
  if (o.rescale_zero_terminal_snr) {
    auto root = alpha_bar.sqrt();
    const auto first = root[0].clone(), last = root[-1].clone();
    root = (root - last) * (first / (first - last));
    alpha_bar = root.pow(2);
  }
  alpha_bar_.assign(alpha_bar.data_ptr<double>(), alpha_bar.data_ptr<double>() + alpha_bar.numel());
}

double NoiseSchedule::alpha_bar(std::int64_t t) const {
  if (t < 0) return 1.0;
  if (t >= static_cast<std::int64_t>(alpha_bar_.size())) fail("noise schedule: timestep {} is outside [0, {})", t, alpha_bar_.size());
  return alpha_bar_[static_cast<std::size_t>(t)];
}

std::vector<std::int64_t> trailing_timesteps(int steps, int train_timesteps) {
  if (steps < 1 || steps > train_timesteps) fail("sampler: steps must be in [1, {}], got {}", train_timesteps, steps);
  const double ratio = static_cast<double>(train_timesteps) / steps;
  std::vector<std::int64_t> timesteps;
  // numpy's arange(T, 0, -ratio) holds ceil(T / ratio) values T - i * ratio.
  const auto count = static_cast<int>(std::ceil(train_timesteps / ratio));
  for (int i = 0; i < count; ++i) timesteps.push_back(static_cast<std::int64_t>(std::nearbyint(train_timesteps - i * ratio)) - 1);
  return timesteps;
}

}  // namespace astraea::pipeline

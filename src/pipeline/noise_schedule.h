// The CogVideoX noise schedule, exactly as diffusers' CogVideoX schedulers build it (float64):
// scaled-linear betas, alpha_bar = cumprod(1 - beta), the SD3-style SNR shift
// alpha_bar / (s + (1 - s) alpha_bar), then the zero-terminal-SNR rescale (alpha_bar_999 = 0).
#pragma once

#include <cstdint>
#include <vector>

namespace astraea::pipeline {

struct NoiseScheduleOptions {
  double beta_start = 0.00085;
  double beta_end = 0.012;
  int train_timesteps = 1000;
  double snr_shift_scale = 3.0;    // 2B: 3.0; 5B and 1.5: 1.0
  bool rescale_zero_terminal_snr = true;
};

class NoiseSchedule {
 public:
  explicit NoiseSchedule(const NoiseScheduleOptions& options = {});
  // alpha_bar at timestep t; t < 0 gives 1.0 (set_alpha_to_one).
  double alpha_bar(std::int64_t t) const;
  int train_timesteps() const { return static_cast<int>(alpha_bar_.size()); }

 private:
  std::vector<double> alpha_bar_;
};

// "trailing" spacing: round(arange(T, 0, -T/n)) - 1, e.g. n=50: 999, 979, ..., 19.
std::vector<std::int64_t> trailing_timesteps(int steps, int train_timesteps);

}  // namespace astraea::pipeline

// A terminal progress bar with rate and ETA, for loops that may take more than a few seconds.
// It draws only when stdout is a terminal (ASTRAEA_PROGRESS=1 forces it on, =0 off), redraws at
// most ten times a second, and clears its line when finished so tables printed after it stay clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace astraea {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::size_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(std::size_t n = 1);
  void set_postfix(std::string postfix);  // e.g. "loss 0.0312"
  void finish();
  bool enabled() const { return enabled_; }

  // Renders one line for `done` of `total` after `elapsed_s`; exposed for tests.
  static std::string render(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                            const std::string& postfix, int width);

 private:
  void draw(bool force);

  using Clock = std::chrono::steady_clock;
  std::string label_;
  std::string postfix_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

// "1h02m", "3m05s", "12s" style durations.
std::string format_duration(double seconds);

}  // namespace astraea

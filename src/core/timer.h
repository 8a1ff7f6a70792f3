// Wall-clock stopwatch for host-side timing (CUDA-event timing lives with the GPU code).
#pragma once

#include <chrono>

namespace astraea {

class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()) {}
  void restart() { start_ = Clock::now(); }
  double elapsed_seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double elapsed_ms() const { return 1e3 * elapsed_seconds(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

}  // namespace astraea

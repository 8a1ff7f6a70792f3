// A Kineto trace of a few training steps (CPU ops and, on a GPU, its kernels) for finding what a
// step spends its time on; the JSON opens in chrome://tracing or Perfetto.
#pragma once

#include <filesystem>
#include <memory>

namespace astraea::train {

class StepProfiler {
 public:
  // Starts recording CPU ops, and CUDA kernels when `cuda`.
  explicit StepProfiler(bool cuda);
  // Stops and writes the trace; throws astraea::Error naming the file when it cannot.
  void save(const std::filesystem::path& trace);
  ~StepProfiler();
  StepProfiler(const StepProfiler&) = delete;
  StepProfiler& operator=(const StepProfiler&) = delete;

 private:
  bool active_ = false;
};

}  // namespace astraea::train

// A Kineto trace of a few steps (CPU ops, the model's named regions and, on a GPU, its kernels) for
// finding what a training or denoising step spends its time on. The JSON opens in chrome://tracing
// or Perfetto; scripts/trace_summary.py sums it by kernel and by region.
#pragma once

#include <filesystem>
#include <memory>

namespace astraea::pipeline {

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

}  // namespace astraea::pipeline

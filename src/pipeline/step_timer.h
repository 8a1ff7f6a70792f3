// Times regions of device work: CUDA events on a CUDA device, a host clock on the CPU.
#pragma once

#include <c10/core/Device.h>

#include <memory>

namespace astraea::pipeline {

class StepTimer {
 public:
  explicit StepTimer(c10::Device device);
  ~StepTimer();
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;

  void start();
  // Milliseconds since start(); waits for the device work recorded in between.
  double stop_ms();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Peak device memory since the last reset, in bytes (0 on the CPU).
std::int64_t peak_device_memory_bytes(c10::Device device);
void reset_peak_device_memory(c10::Device device);

}  // namespace astraea::pipeline

#include "pipeline/step_timer.h"

#include "core/timer.h"

#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAStream.h>

#include <optional>

namespace astraea::pipeline {

struct StepTimer::State {
  c10::Device device;
  std::optional<at::cuda::CUDAEvent> begin, end;
  Stopwatch host;
};

StepTimer::StepTimer(c10::Device device) : state_(std::make_unique<State>(State{device, std::nullopt, std::nullopt, {}})) {
  if (device.is_cuda()) {
    state_->begin.emplace(cudaEventDefault);
    state_->end.emplace(cudaEventDefault);
  }
}

StepTimer::~StepTimer() = default;

void StepTimer::start() {
  if (state_->device.is_cuda()) {
    state_->begin->record(c10::cuda::getCurrentCUDAStream(state_->device.index()));
  } else {
    state_->host.restart();
  }
}

double StepTimer::stop_ms() {
  if (!state_->device.is_cuda()) return state_->host.elapsed_ms();
  state_->end->record(c10::cuda::getCurrentCUDAStream(state_->device.index()));
  state_->end->synchronize();
  return state_->begin->elapsed_time(*state_->end);
}

std::int64_t peak_device_memory_bytes(c10::Device device) {
  if (!device.is_cuda()) return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
  return stats.allocated_bytes[static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
}

void reset_peak_device_memory(c10::Device device) {
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
}

}  // namespace astraea::pipeline

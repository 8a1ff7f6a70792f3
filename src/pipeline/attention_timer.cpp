#include "pipeline/attention_timer.h"

#include "core/timer.h"

#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAStream.h>

#include <deque>

namespace astraea::pipeline {

struct TimedAccelerator::State {
  struct Call {
    int layer = 0;
    at::cuda::CUDAEvent begin{cudaEventDefault};
    at::cuda::CUDAEvent end{cudaEventDefault};
  };
  c10::Device device;
  std::deque<Call> pending;        // CUDA: events not read yet
  std::vector<double> layer_ms;    // resolved totals
  void add(int layer, double ms) {
    if (layer_ms.size() <= static_cast<std::size_t>(layer)) layer_ms.resize(static_cast<std::size_t>(layer) + 1, 0.0);
    layer_ms[static_cast<std::size_t>(layer)] += ms;
  }
};

TimedAccelerator::TimedAccelerator(attention::Accelerator& inner, c10::Device device)
    : inner_(inner), state_(std::make_unique<State>(State{device, {}, {}})) {}

TimedAccelerator::~TimedAccelerator() = default;

at::Tensor TimedAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const attention::VideoLayout& layout, const attention::RowSelection& rows) {
  if (!state_->device.is_cuda()) {
    Stopwatch clock;
    auto out = inner_.attention(layer, q, k, v, layout, rows);
    state_->add(layer, clock.elapsed_ms());
    return out;
  }
  auto& call = state_->pending.emplace_back();
  call.layer = layer;
  const auto stream = c10::cuda::getCurrentCUDAStream(state_->device.index());
  call.begin.record(stream);
  auto out = inner_.attention(layer, q, k, v, layout, rows);
  call.end.record(stream);
  return out;
}

std::vector<double> TimedAccelerator::per_layer_ms() {
  for (auto& call : state_->pending) {
    call.end.synchronize();
    state_->add(call.layer, call.begin.elapsed_time(call.end));
  }
  state_->pending.clear();
  return state_->layer_ms;
}

}  // namespace astraea::pipeline

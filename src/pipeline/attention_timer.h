// Times every attention call of a generation, per layer, without stalling the device: a wrapper
// Accelerator records CUDA events around each call of the wrapped one and reads them once, after
// the generation; on the CPU it uses a host clock. Everything else is forwarded unchanged.
#pragma once

#include "attention/accelerator.h"

#include <c10/core/Device.h>

#include <memory>
#include <vector>

namespace astraea::pipeline {

class TimedAccelerator final : public attention::Accelerator {
 public:
  TimedAccelerator(attention::Accelerator& inner, c10::Device device);
  ~TimedAccelerator() override;
  TimedAccelerator(const TimedAccelerator&) = delete;
  TimedAccelerator& operator=(const TimedAccelerator&) = delete;

  std::string name() const override { return inner_.name(); }
  void begin_step(int step, int num_steps) override { inner_.begin_step(step, num_steps); }
  attention::RowSelection select_rows(int layer, const at::Tensor& video) override { return inner_.select_rows(layer, video); }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                       const attention::RowSelection& rows) override;
  at::Tensor finish_block(int layer, const attention::RowSelection& rows, const at::Tensor& video_out) override {
    return inner_.finish_block(layer, rows, video_out);
  }
  attention::TokenRange video_shard(std::int64_t video_tokens) override { return inner_.video_shard(video_tokens); }
  at::Tensor gather_video(const at::Tensor& local) override { return inner_.gather_video(local); }
  attention::TokenRange batch_shard(std::int64_t batch) override { return inner_.batch_shard(batch); }
  at::Tensor gather_batch(const at::Tensor& local) override { return inner_.gather_batch(local); }
  void assign_heads(std::int64_t first_head) override { inner_.assign_heads(first_head); }
  bool exact_attention() const override { return inner_.exact_attention(); }
  bool keeps_lse() const override { return inner_.keeps_lse(); }
  void record_lse(int layer, const at::Tensor& lse, const attention::VideoLayout& layout, const attention::RowSelection& rows) override {
    inner_.record_lse(layer, lse, layout, rows);
  }
  std::int64_t rows_selected(int layer, std::int64_t video_tokens) const override { return inner_.rows_selected(layer, video_tokens); }

  // Milliseconds spent in attention per layer (index = layer) since construction; waits for the
  // device work recorded so far.
  std::vector<double> per_layer_ms();

 private:
  struct State;
  attention::Accelerator& inner_;
  std::unique_ptr<State> state_;
};

}  // namespace astraea::pipeline

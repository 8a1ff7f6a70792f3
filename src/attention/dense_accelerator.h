// Full attention over every token: the identity accelerator every other method is measured
// against. Attention runs through at::scaled_dot_product_attention (cuDNN or flash on GPU), or
// through the project's attention kernel where it runs (kernel_bridge.h), SDPA elsewhere.
#pragma once

#include "attention/accelerator.h"

namespace astraea::attention {

enum class DenseKernel { kSdpa, kAstraea };

class DenseAccelerator final : public Accelerator {
 public:
  explicit DenseAccelerator(DenseKernel kernel = DenseKernel::kSdpa) : kernel_(kernel) {}
  std::string name() const override { return "dense"; }
  void begin_step(int, int) override {}
  RowSelection select_rows(int, const at::Tensor&) override { return {}; }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                       const RowSelection& rows) override;
  at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) override;
  bool exact_attention() const override { return true; }

 private:
  DenseKernel kernel_;
};

}  // namespace astraea::attention

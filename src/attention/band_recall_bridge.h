// The torch bridge to kernels/band_recall.h: ARM's band recall of sampled rows (arm.h). Like
// kernel_bridge.h, the entry points run the fused kernel where the attention kernels run
// (attention_kernels_available, with B * H <= 65535) and the float32 LibTorch reference
// (sampled_band_recall_reference) elsewhere.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace astraea::attention {

// ARM's band recall (arm.h): for each (b, h), the mean over the sampled rows i of the softmax mass
// over the sampled keys j that lies within |i - j| <= half_width (indices within the sample).
// q, k [B, H, S, D]; sample int64 [n] token positions, each in [0, S) (not checked: that would
// cost a device sync per call). Returns float32 [B, H] on q's device. The
// fused kernel (kernels/band_recall.h) runs where the attention kernels do; elsewhere the
// float32 LibTorch reference, which writes the n x n probabilities, runs instead.
at::Tensor sampled_band_recall(const at::Tensor& q, const at::Tensor& k, const at::Tensor& sample, std::int64_t half_width);
// Both of ARM's samples in one launch: float32 [samples.size(), B, H], row i the recall of
// samples[i] with half_widths[i] (one or two samples).
at::Tensor sampled_band_recalls(const at::Tensor& q, const at::Tensor& k, const std::vector<at::Tensor>& samples,
                                const std::vector<std::int64_t>& half_widths);
// The same recalls delivered to the host: float32 [samples.size(), B, H] on the CPU. On the
// kernel path each block stores its share of the means in mapped pinned host memory, and after
// one stream synchronisation the host adds them: no memset, no copy, and the same sums on every
// run (ARM decides on the host).
at::Tensor sampled_band_recalls_on_host(const at::Tensor& q, const at::Tensor& k, const std::vector<at::Tensor>& samples,
                                        const std::vector<std::int64_t>& half_widths);

// A sample whose positions are an arithmetic progression: start, start + step, ..., `count` of
// them (ARM's two samples are). The fused kernel computes each row's address from it instead of
// loading positions, and no position tensor has to live on the device.
struct TokenProgression {
  std::int64_t start = 0;
  std::int64_t step = 1;
  std::int64_t count = 0;
  // The positions listed, int64 [count] on `device`.
  at::Tensor positions(c10::Device device = c10::kCPU) const;
};
// sampled_band_recalls_on_host for progressions; throws (c10::Error) unless every progression has
// count >= 1, step >= 1, start >= 0 and its last position below S.
at::Tensor sampled_band_recalls_on_host(const at::Tensor& q, const at::Tensor& k, const std::vector<TokenProgression>& samples,
                                        const std::vector<std::int64_t>& half_widths);
at::Tensor sampled_band_recall_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& sample, std::int64_t half_width);

}  // namespace astraea::attention

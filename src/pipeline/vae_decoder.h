// Optional VAE decoding through a user-exported TorchScript module (e.g. a trace of
// `lambda z: vae.decode(z).sample` for one resolution). Turns the pipeline's latents into video
// frames the way diffusers' CogVideoXPipeline does: unscale, decode, map [-1, 1] to [0, 1].
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <memory>

namespace astraea::pipeline {

// A pixel-space model's output as frames: latents [B, F, 3, H, W] in [-1, 1] -> frames
// [B, F, H, W, 3] float32 in [0, 1] on the CPU (clamped), the same layout decode() returns.
at::Tensor pixel_space_frames(const at::Tensor& latents);

class VaeDecoder {
 public:
  // Loads `file` onto `device`; fails naming the file on a missing file or one that is not a
  // loadable TorchScript module. `scaling_factor` is the VAE config's (1.15258426 for 2B, 0.7 for
  // 5B and 1.5).
  VaeDecoder(const std::filesystem::path& file, double scaling_factor, c10::Device device);
  ~VaeDecoder();
  VaeDecoder(VaeDecoder&& other) noexcept;
  VaeDecoder& operator=(VaeDecoder&& other) noexcept;
  VaeDecoder(const VaeDecoder&) = delete;
  VaeDecoder& operator=(const VaeDecoder&) = delete;

  // latents [B, F, C, H, W] (frame-major, as generate() returns them) -> frames
  // [B, F_out, H_out, W_out, C_out] float32 in [0, 1] on the CPU. The module runs on its device in
  // the dtype of its first parameter (float32 if it has none) on latents / scaling_factor permuted
  // to [B, C, F, H, W], and must return one 5-D tensor [B, C_out, F_out, H_out, W_out] in [-1, 1].
  // Fails naming the file on latents that are not 5-D, a failing forward or an output of another
  // type or rank.
  at::Tensor decode(const at::Tensor& latents) const;

  const std::filesystem::path& file() const;
  double scaling_factor() const;
  c10::Device device() const;
  at::ScalarType dtype() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astraea::pipeline

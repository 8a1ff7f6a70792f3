// CogVideoXTransformer3D: diffusers' CogVideoXTransformer3DModel in LibTorch. Registered module
// names are the checkpoint keys, so a diffusers state dict loads without renaming.
#pragma once

#include "attention/accelerator.h"
#include "model/cogvideox_block.h"
#include "model/cogvideox_config.h"
#include "model/patch_embed.h"
#include "model/positional_encoding.h"
#include "model/timestep_embedding.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <optional>

namespace astraea::model {

// The final AdaLayerNorm (norm_out): (shift, scale) from the time embedding, shift first.
class AdaLayerNormImpl : public torch::nn::Module {
 public:
  AdaLayerNormImpl(int conditioning_dim, int dim, double eps, bool affine);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb);

 private:
  torch::nn::Linear linear_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(AdaLayerNorm);

class CogVideoXTransformer3DImpl : public torch::nn::Module {
 public:
  explicit CogVideoXTransformer3DImpl(const CogVideoXConfig& config);

  // latents [B, F, C, H, W] (frame-major), text [B, L, text_embed_dim], timestep [B].
  // `rope` is required when the config uses rotary positions (the pipeline computes it once per
  // generation with cogvideox_rotary_embedding). Returns the prediction [B, F, C_out, H, W].
  at::Tensor forward(const at::Tensor& latents, const at::Tensor& text, const at::Tensor& timestep,
                     const std::optional<RotaryEmbedding>& rope, attention::Accelerator& accelerator);

  const CogVideoXConfig& config() const { return config_; }

  // The token layout of latents [B, F, C, H, W] with `text_tokens` text tokens in front.
  attention::VideoLayout layout_for(int64_t latent_frames, int64_t latent_h, int64_t latent_w, int64_t text_tokens) const;

 private:
  at::Tensor unpatchify(const at::Tensor& tokens, int64_t batch, int64_t frames, int64_t height, int64_t width) const;

  CogVideoXConfig config_;
  PatchEmbed patch_embed_{nullptr};
  TimestepEmbedding time_embedding_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_final_{nullptr};
  AdaLayerNorm norm_out_{nullptr};
  torch::nn::Linear proj_out_{nullptr};
};
TORCH_MODULE(CogVideoXTransformer3D);

}  // namespace astraea::model

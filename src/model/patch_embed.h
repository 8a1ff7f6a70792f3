// CogVideoXPatchEmbed: text_proj for the text embeddings; for the video a stride-p Conv2d per
// frame (1.0) or, with temporal patching (1.5), a Linear over (C, p_t, p, p) patches. Returns the
// joint sequence [B, text + T*H'*W', D], text first, with sincos positions added to the video
// tokens when the config uses them.
#pragma once

#include "model/cogvideox_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace astraea::model {

class PatchEmbedImpl : public torch::nn::Module {
 public:
  explicit PatchEmbedImpl(const CogVideoXConfig& config);
  // text: [B, L, text_embed_dim]; video: [B, F, C, H, W] latents.
  at::Tensor forward(const at::Tensor& text, const at::Tensor& video);

 private:
  at::Tensor video_positions(int latent_frames, int latent_h, int latent_w, const at::TensorOptions& options);

  CogVideoXConfig config_;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::Linear linear_{nullptr};
  torch::nn::Linear text_proj_{nullptr};
  at::Tensor learned_positions_;  // pos_embedding, for learned positions only
};
TORCH_MODULE(PatchEmbed);

}  // namespace astraea::model

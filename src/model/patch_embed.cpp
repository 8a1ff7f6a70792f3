#include "model/patch_embed.h"

#include "core/error.h"
#include "model/positional_encoding.h"

namespace astraea::model {

PatchEmbedImpl::PatchEmbedImpl(const CogVideoXConfig& config) : config_(config) {
  const int d = config.inner_dim(), p = config.patch_size;
  if (config.patch_size_t) {
    const int patch_features = config.in_channels * p * p * *config.patch_size_t;
    linear_ = register_module("proj", torch::nn::Linear(patch_features, d));
  } else {
    conv_ = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.in_channels, d, p).stride(p).bias(config.patch_bias)));
  }
  text_proj_ = register_module("text_proj", torch::nn::Linear(config.text_embed_dim, d));
  if (config.use_learned_positional_embeddings) {
    const int frames = (config.sample_frames - 1) / config.temporal_compression_ratio + 1;
    const int64_t tokens = config.max_text_seq_length + static_cast<int64_t>(frames) * (config.sample_height / p) * (config.sample_width / p);
    learned_positions_ = register_buffer("pos_embedding", at::zeros({1, tokens, d}));
  }
}

at::Tensor PatchEmbedImpl::video_positions(int latent_frames, int latent_h, int latent_w, const at::TensorOptions& options) {
  const int p = config_.patch_size;
  if (config_.use_learned_positional_embeddings) {
    if (latent_h != config_.sample_height || latent_w != config_.sample_width) {
      fail("learned positional embeddings only support the sample size {}x{}, got {}x{}", config_.sample_height, config_.sample_width,
           latent_h, latent_w);
    }
    return learned_positions_.slice(1, config_.max_text_seq_length).squeeze(0).to(options);
  }
  return sincos_positions_3d(config_.inner_dim(), latent_w / p, latent_h / p, latent_frames, config_.spatial_interpolation_scale,
                             config_.temporal_interpolation_scale)
      .to(options);
}

at::Tensor PatchEmbedImpl::forward(const at::Tensor& text, const at::Tensor& video) {
  const int64_t b = video.size(0), f = video.size(1), c = video.size(2), h = video.size(3), w = video.size(4);
  const int p = config_.patch_size;
  at::Tensor tokens;
  if (config_.patch_size_t) {
    const int p_t = *config_.patch_size_t;
    TORCH_CHECK(f % p_t == 0, "patch embed: latent frames (", f, ") must be a multiple of patch_size_t (", p_t, ")");
    tokens = video.permute({0, 1, 3, 4, 2})
                 .reshape({b, f / p_t, p_t, h / p, p, w / p, p, c})
                 .permute({0, 1, 3, 5, 7, 2, 4, 6})  // [B, F', H', W', C, p_t, p, p]
                 .flatten(4, 7)
                 .flatten(1, 3);
    tokens = linear_(tokens);
  } else {
    tokens = conv_(video.reshape({b * f, c, h, w}));                    // [B*F, D, H', W']
    tokens = tokens.view({b, f, tokens.size(1), -1}).transpose(2, 3);  // [B, F, H'W', D]
    tokens = tokens.flatten(1, 2);
  }
  if (config_.use_sincos_positions() || config_.use_learned_positional_embeddings) {
    const int latent_frames = static_cast<int>(config_.patch_size_t ? f / *config_.patch_size_t : f);
    tokens = tokens + video_positions(latent_frames, static_cast<int>(h), static_cast<int>(w), tokens.options()).unsqueeze(0);
  }
  return at::cat({text_proj_(text), tokens}, 1).contiguous();
}

}  // namespace astraea::model

#include "model/cogvideox_transformer.h"

#include "core/error.h"
#include "model/layer_norm.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>

namespace astraea::model {

AdaLayerNormImpl::AdaLayerNormImpl(int conditioning_dim, int dim, double eps, bool affine) {
  linear_ = register_module("linear", torch::nn::Linear(conditioning_dim, 2 * dim));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps).elementwise_affine(affine)));
}

at::Tensor AdaLayerNormImpl::forward(const at::Tensor& x, const at::Tensor& temb) {
  const auto chunks = linear_(at::silu(temb)).chunk(2, 1);  // shift, scale
  return layer_norm_in_dtype(*norm_, x) * (1 + chunks[1].unsqueeze(1)) + chunks[0].unsqueeze(1);
}

CogVideoXTransformer3DImpl::CogVideoXTransformer3DImpl(const CogVideoXConfig& config) : config_(config) {
  config_.validate();
  const int d = config.inner_dim();
  patch_embed_ = register_module("patch_embed", PatchEmbed(config));
  time_embedding_ = register_module("time_embedding", TimestepEmbedding(d, config.time_embed_dim));
  blocks_ = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.num_layers; ++i) blocks_->push_back(CogVideoXBlock(config, i));
  norm_final_ = register_module("norm_final", torch::nn::LayerNorm(
                                                  torch::nn::LayerNormOptions({d}).eps(config.norm_eps).elementwise_affine(config.norm_elementwise_affine)));
  norm_out_ = register_module("norm_out", AdaLayerNorm(config.time_embed_dim, d, config.norm_eps, config.norm_elementwise_affine));
  const int patch_values = config.patch_size * config.patch_size * config.out_channels * config.patch_size_t.value_or(1);
  proj_out_ = register_module("proj_out", torch::nn::Linear(d, patch_values));
}

attention::VideoLayout CogVideoXTransformer3DImpl::layout_for(int64_t latent_frames, int64_t latent_h, int64_t latent_w,
                                                              int64_t text_tokens) const {
  const int p_t = config_.patch_size_t.value_or(1);
  return {static_cast<int>(text_tokens), static_cast<int>((latent_frames + p_t - 1) / p_t), static_cast<int>(latent_h / config_.patch_size),
          static_cast<int>(latent_w / config_.patch_size)};
}

at::Tensor CogVideoXTransformer3DImpl::unpatchify(const at::Tensor& tokens, int64_t batch, int64_t frames, int64_t height,
                                                  int64_t width) const {
  const int64_t p = config_.patch_size;
  if (!config_.patch_size_t) {
    // tokens [B, F*H'*W', C*p*p] in feature order (C, ph, pw) -> [B, F, C, H, W]
    return tokens.reshape({batch, frames, height / p, width / p, -1, p, p}).permute({0, 1, 4, 2, 5, 3, 6}).flatten(5, 6).flatten(3, 4);
  }
  const int64_t p_t = *config_.patch_size_t;
  // tokens [B, F'*H'*W', C*p_t*p*p] in feature order (C, pt, ph, pw) -> [B, F, C, H, W]
  return tokens.reshape({batch, (frames + p_t - 1) / p_t, height / p, width / p, -1, p_t, p, p})
      .permute({0, 1, 5, 4, 2, 6, 3, 7})
      .flatten(6, 7)
      .flatten(4, 5)
      .flatten(1, 2);
}

at::Tensor CogVideoXTransformer3DImpl::forward(const at::Tensor& latents, const at::Tensor& text, const at::Tensor& timestep,
                                               const std::optional<RotaryEmbedding>& rope, attention::Accelerator& accelerator) {
  TORCH_CHECK(latents.dim() == 5, "transformer: latents must be [B, F, C, H, W], got ", latents.sizes());
  TORCH_CHECK(text.dim() == 3 && text.size(0) == latents.size(0) && text.size(2) == config_.text_embed_dim,
              "transformer: text embeddings must be [B, L, ", config_.text_embed_dim, "], got ", text.sizes());
  TORCH_CHECK(latents.size(2) == config_.in_channels, "transformer: latents have ", latents.size(2), " channels, the model takes ",
              config_.in_channels);
  TORCH_CHECK(!config_.use_rotary_positional_embeddings || rope.has_value(), "transformer: this config uses RoPE but none was given");
  const int64_t batch = latents.size(0), frames = latents.size(1), height = latents.size(3), width = latents.size(4);
  TORCH_CHECK(height % config_.patch_size == 0 && width % config_.patch_size == 0, "transformer: latent size ", height, "x", width,
              " is not a multiple of patch_size ", config_.patch_size);

  // Under CFG parallelism this process computes a slice of the batch.
  const auto part = accelerator.batch_shard(batch);
  const bool batch_sharded = part.begin != 0 || part.end != batch;
  const auto local_latents = batch_sharded ? latents.slice(0, part.begin, part.end) : latents;
  const auto local_text = batch_sharded ? text.slice(0, part.begin, part.end) : text;
  const auto local_timestep = batch_sharded && timestep.dim() > 0 ? timestep.slice(0, part.begin, part.end) : timestep;
  const auto t_features = timestep_sinusoid(local_timestep, config_.inner_dim(), config_.flip_sin_to_cos, config_.freq_shift).to(latents.scalar_type());
  const auto temb = time_embedding_(t_features);
  const auto joint = patch_embed_(local_text, local_latents);
  const int64_t text_tokens = text.size(1);
  auto context = joint.slice(1, 0, text_tokens);
  auto hidden = joint.slice(1, text_tokens);
  const auto layout = layout_for(frames, height, width, text_tokens);
  // Under sequence parallelism the blocks see this process's video tokens and their RoPE rows.
  const auto shard = accelerator.video_shard(hidden.size(1));
  const bool sharded = shard.begin != 0 || shard.end != hidden.size(1);
  std::optional<RotaryEmbedding> local_rope = rope;
  if (sharded) {
    hidden = hidden.slice(1, shard.begin, shard.end);
    if (rope) local_rope = RotaryEmbedding{rope->cos.slice(0, shard.begin, shard.end), rope->sin.slice(0, shard.begin, shard.end)};
  }
  for (const auto& module : *blocks_) {
    const auto out = module->as<CogVideoXBlock>()->forward(hidden, context, temb, local_rope, layout, accelerator);
    hidden = out.video;
    context = out.text;
  }
  {
    RECORD_USER_SCOPE("model.output");
    hidden = proj_out_(norm_out_(layer_norm_in_dtype(*norm_final_, hidden), temb));
    if (sharded) hidden = accelerator.gather_video(hidden);
  }
  const auto out = unpatchify(hidden, part.end - part.begin, frames, height, width);
  return batch_sharded ? accelerator.gather_batch(out) : out;
}

}  // namespace astraea::model

#include "pipeline/generation.h"

#include "core/error.h"
#include "pipeline/guidance.h"
#include "pipeline/step_profiler.h"
#include "pipeline/step_timer.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <optional>

namespace astraea::pipeline {

GenerationResult generate(model::CogVideoXTransformer3D& transformer, const GenerationRequest& request, attention::Accelerator& accelerator,
                          const StepCallback& on_step, NoiseSource noise) {
  const auto& config = transformer->config();
  const auto parameter = transformer->parameters().front();
  const auto device = parameter.device();
  const auto dtype = parameter.scalar_type();
  const auto& cond = request.prompt_embeds;
  TORCH_CHECK(cond.dim() == 3 && cond.size(2) == config.text_embed_dim, "generation: prompt embeddings must be [B, L, ",
              config.text_embed_dim, "], got ", cond.sizes());
  const bool guided = request.guidance_scale > 1.0;
  if (guided) {
    TORCH_CHECK(request.negative_prompt_embeds.defined() && request.negative_prompt_embeds.sizes() == cond.sizes(),
                "generation: negative prompt embeddings must match the prompt embeddings ", cond.sizes());
  }
  if (!noise) noise = cpu_generator_noise(request.seed);

  // CogVideoX 1.5 pads the latent frames up to a multiple of patch_size_t and drops the first
  // extra frames after sampling.
  const int p_t = config.patch_size_t.value_or(1);
  const int extra_frames = (p_t - request.latent_frames % p_t) % p_t;
  const int frames = request.latent_frames + extra_frames;
  const int64_t batch = cond.size(0);
  auto latents = noise(at::empty({batch, frames, config.in_channels, request.latent_height, request.latent_width},
                                 at::TensorOptions().dtype(dtype).device(device)));

  std::optional<model::RotaryEmbedding> rope;
  if (config.use_rotary_positional_embeddings) {
    auto table = model::cogvideox_rotary_embedding(config, frames, request.latent_height, request.latent_width);
    rope = model::RotaryEmbedding{table.cos.to(device), table.sin.to(device)};
  }
  const auto text = (guided ? at::cat({request.negative_prompt_embeds, cond}, 0) : cond).to(device, dtype);

  auto sampler = make_sampler(request.sampler, noise);
  const auto timesteps = trailing_timesteps(request.sampler.steps, request.sampler.schedule.train_timesteps);
  GenerationResult result;
  StepTimer timer(device);
  reset_peak_device_memory(device);
  torch::NoGradGuard no_grad;
  if (request.profile_step >= 0 && request.profile_trace.empty()) fail("generation: profile_step {} needs a trace path", request.profile_step);
  if (request.profile_step >= static_cast<int>(timesteps.size())) {
    fail("generation: profile_step {} is past the last of {} steps", request.profile_step, timesteps.size());
  }
  for (std::size_t i = 0; i < timesteps.size(); ++i) {
    const int64_t t = timesteps[i];
    std::optional<StepProfiler> profiler;
    if (static_cast<int>(i) == request.profile_step) profiler.emplace(device.is_cuda());
    timer.start();
    accelerator.begin_step(static_cast<int>(i), static_cast<int>(timesteps.size()));
    const auto model_input = guided ? at::cat({latents, latents}, 0) : latents;
    const auto t_batch = at::full({model_input.size(0)}, t, at::TensorOptions().dtype(at::kLong).device(device));
    auto velocity = transformer->forward(model_input, text, t_batch, rope, accelerator).to(at::kFloat);
    if (guided) velocity = apply_guidance(velocity, guidance_scale_at(request.guidance_scale, request.dynamic_cfg, request.sampler.steps, t));
    const std::optional<int64_t> previous = i > 0 ? std::optional<int64_t>(timesteps[i - 1]) : std::nullopt;
    latents = sampler->step(velocity, t, previous, latents.to(at::kFloat)).to(dtype);
    result.step_ms.push_back(timer.stop_ms());
    if (profiler) profiler->save(request.profile_trace);
    if (on_step) on_step(static_cast<int>(i), t, latents);
  }
  result.peak_memory_bytes = peak_device_memory_bytes(device);
  result.latents = latents.slice(1, extra_frames).to(at::kCPU, at::kFloat);
  return result;
}

}  // namespace astraea::pipeline

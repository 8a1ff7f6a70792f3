// The generation loop of CogVideoXPipeline (output_type="latent"): draw the initial latents from
// a CPU generator seeded with the trial seed, then for each timestep run the transformer on
// [uncond, cond], apply (dynamic) CFG, and step the sampler. Per-step times are recorded.
#pragma once

#include "attention/accelerator.h"
#include "model/cogvideox_transformer.h"
#include "pipeline/sampler.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

namespace astraea::pipeline {

struct GenerationRequest {
  at::Tensor prompt_embeds;           // [B, L, text_embed_dim]
  at::Tensor negative_prompt_embeds;  // [B, L, text_embed_dim]; used when guidance_scale > 1
  int latent_frames = 13;             // before temporal patching
  int latent_height = 60;
  int latent_width = 90;
  std::uint64_t seed = 0;
  double guidance_scale = 6.0;
  bool dynamic_cfg = false;
  SamplerOptions sampler;
  // When >= 0, that denoising step runs under the Kineto profiler and its trace is written to
  // `profile_trace` (the step's recorded time then includes the profiler's overhead).
  int profile_step = -1;
  std::filesystem::path profile_trace;
};

struct GenerationResult {
  at::Tensor latents;             // [B, F, C, H, W], float32 on the CPU
  std::vector<double> step_ms;    // one per denoising step
  std::int64_t peak_memory_bytes = 0;
};

// Called after each step with (step index, timestep); may be empty.
using StepCallback = std::function<void(int step, std::int64_t timestep, const at::Tensor& latents)>;

// Runs on the transformer's device and dtype. `noise` overrides the seeded CPU generator (tests
// replay recorded draws through it); it is used for the initial latents and the DPM steps.
GenerationResult generate(model::CogVideoXTransformer3D& transformer, const GenerationRequest& request, attention::Accelerator& accelerator,
                          const StepCallback& on_step = {}, NoiseSource noise = {});

}  // namespace astraea::pipeline

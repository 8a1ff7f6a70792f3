#include "driver/trial_runner.h"

#include "attention/dense_accelerator.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/rng.h"
#include "model/checkpoint.h"
#include "model/cogvideox_transformer.h"
#include "model/random_init.h"
#include "model/safetensors_file.h"
#include "pipeline/generation.h"
#include "pipeline/prompt_embeddings.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>

namespace astraea::driver {
namespace {

// Streams of the trial seed, so weights, embeddings and noise never share random numbers.
constexpr std::uint64_t kWeightStream = 1;
constexpr std::uint64_t kEmbeddingStream = 2;

struct LatentShape {
  int frames, height, width;
};

model::CogVideoXConfig to_model_config(const config::ModelOptions& m) {
  model::CogVideoXConfig c;
  c.num_attention_heads = m.num_attention_heads;
  c.attention_head_dim = m.attention_head_dim;
  c.in_channels = m.in_channels;
  c.out_channels = m.out_channels;
  c.time_embed_dim = m.time_embed_dim;
  c.text_embed_dim = m.text_embed_dim;
  c.num_layers = m.num_layers;
  c.sample_width = m.sample_width;
  c.sample_height = m.sample_height;
  c.sample_frames = m.sample_frames;
  c.patch_size = m.patch_size;
  if (m.patch_size_t > 0) c.patch_size_t = m.patch_size_t;
  c.temporal_compression_ratio = m.temporal_compression_ratio;
  c.max_text_seq_length = m.max_text_seq_length;
  c.spatial_interpolation_scale = m.spatial_interpolation_scale;
  c.temporal_interpolation_scale = m.temporal_interpolation_scale;
  c.use_rotary_positional_embeddings = m.use_rotary_positional_embeddings;
  c.use_learned_positional_embeddings = m.use_learned_positional_embeddings;
  c.patch_bias = m.patch_bias;
  return c;
}

LatentShape latent_shape(const config::ExperimentOptions& o) {
  const auto& m = o.model;
  const auto& v = o.video;
  if ((v.frames - 1) % m.temporal_compression_ratio != 0) {
    fail(ErrorKind::kConfig, "video.frames={}: must be 1 + a multiple of model.temporal_compression_ratio ({})", v.frames, m.temporal_compression_ratio);
  }
  const int unit = m.vae_scale_factor_spatial * m.patch_size;
  if (v.height % unit != 0 || v.width % unit != 0) {
    fail(ErrorKind::kConfig, "video {}x{}: height and width must be multiples of vae_scale_factor_spatial x patch_size = {}", v.height, v.width,
         unit);
  }
  return {(v.frames - 1) / m.temporal_compression_ratio + 1, v.height / m.vae_scale_factor_spatial, v.width / m.vae_scale_factor_spatial};
}

at::Device pick_device(const std::string& requested) {
  const bool gpu = torch::cuda::is_available();
  if (requested == "cuda" && !gpu) fail(ErrorKind::kConfig, "model.device=cuda, but no CUDA GPU is available");
  return (requested == "cuda" || (requested == "auto" && gpu)) ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
}

at::ScalarType pick_dtype(const std::string& name) {
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  return at::kFloat;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

model::CogVideoXTransformer3D build_transformer(const config::ExperimentOptions& o, at::Device device, at::ScalarType dtype) {
  model::CogVideoXTransformer3D transformer(to_model_config(o.model));
  if (o.model.init == "checkpoint") {
    with_context(fmt::format("model.weights '{}'", o.model.weights), [&] {
      model::load_state_dict(*transformer, model::TensorSource(o.model.weights), dtype, device);
    });
  } else {
    model::init_random_weights(*transformer, derive_seed(static_cast<std::uint64_t>(o.seed), {kWeightStream}));
    transformer->to(device, dtype);
  }
  transformer->eval();
  return transformer;
}

}  // namespace

void check_runnable(const config::ExperimentOptions& options) {
  if (options.method.name != "dense") {
    fail(ErrorKind::kNotBuilt, "method '{}' is not built yet (only 'dense' runs in this build)", options.method.name);
  }
  to_model_config(options.model).validate();
  latent_shape(options);
  pick_device(options.model.device);
}

TrialResult run_trial(const config::ExperimentOptions& options, const std::filesystem::path& output_dir) {
  check_runnable(options);
  const auto device = pick_device(options.model.device);
  const auto dtype = pick_dtype(options.model.dtype);
  const auto shape = latent_shape(options);
  auto transformer = build_transformer(options, device, dtype);
  const auto& config = transformer->config();

  const auto prompt_count = static_cast<std::int64_t>(std::max<std::size_t>(1, options.prompts.texts.size()));
  const auto embeddings =
      options.prompts.embeddings.empty()
          ? pipeline::random_prompt_embeddings(prompt_count, config.max_text_seq_length, config.text_embed_dim,
                                               derive_seed(static_cast<std::uint64_t>(options.seed), {kEmbeddingStream}))
          : pipeline::load_prompt_embeddings(options.prompts.embeddings, prompt_count, config.max_text_seq_length, config.text_embed_dim);

  TrialResult result;
  std::vector<double> totals;
  std::vector<std::vector<double>> per_step(static_cast<std::size_t>(options.sampler.steps));
  std::int64_t peak = 0;
  const std::size_t generations = static_cast<std::size_t>(prompt_count) * options.prompts.seeds.size();
  ProgressBar progress("generating", generations * static_cast<std::size_t>(options.sampler.steps));
  for (std::int64_t p = 0; p < prompt_count; ++p) {
    for (const auto seed : options.prompts.seeds) {
      attention::DenseAccelerator accelerator;
      pipeline::GenerationRequest request;
      request.prompt_embeds = embeddings.prompts.slice(0, p, p + 1);
      request.negative_prompt_embeds = embeddings.negative.slice(0, p, p + 1);
      request.latent_frames = shape.frames;
      request.latent_height = shape.height;
      request.latent_width = shape.width;
      request.seed = static_cast<std::uint64_t>(seed);
      request.guidance_scale = options.sampler.guidance_scale;
      request.dynamic_cfg = options.sampler.use_dynamic_cfg;
      request.sampler.name = options.sampler.name;
      request.sampler.steps = options.sampler.steps;
      request.sampler.schedule.snr_shift_scale = options.sampler.snr_shift_scale;
      const auto generated =
          pipeline::generate(transformer, request, accelerator, [&](int, std::int64_t, const at::Tensor&) { progress.advance(); });
      if (!at::isfinite(generated.latents).all().item<bool>()) fail("prompt {} seed {}: the latents hold NaN or Inf", p, seed);
      const auto file = output_dir / fmt::format("latents_p{}_s{}.safetensors", p, seed);
      model::save_safetensors(file, {{"latents", generated.latents}}, {{"prompt_index", std::to_string(p)}, {"seed", std::to_string(seed)}});
      result.artifacts.push_back({"latents", file.filename().string(), file.string(), sha256_file_hex(file),
                                  static_cast<std::int64_t>(std::filesystem::file_size(file))});
      double total = 0;
      for (std::size_t s = 0; s < generated.step_ms.size(); ++s) {
        per_step[s].push_back(generated.step_ms[s]);
        total += generated.step_ms[s];
      }
      totals.push_back(total);
      peak = std::max(peak, generated.peak_memory_bytes);
    }
  }
  progress.finish();
  result.metrics.push_back({"latency_ms", 0, median(totals)});
  for (std::size_t s = 0; s < per_step.size(); ++s) result.metrics.push_back({"step_ms", static_cast<std::int64_t>(s), median(per_step[s])});
  result.metrics.push_back({"peak_memory_bytes", 0, static_cast<double>(peak)});
  result.metrics.push_back({"generations", 0, static_cast<double>(generations)});
  result.summary = fmt::format("{} generation(s) of {}x{}x{} latents on {} ({}), {} {} steps: median {:.1f} ms per generation; prompts: {}",
                               generations, shape.frames, shape.height, shape.width, device.str(), options.model.dtype, options.sampler.steps,
                               options.sampler.name, median(totals), embeddings.source);
  return result;
}

}  // namespace astraea::driver

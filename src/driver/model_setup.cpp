#include "driver/model_setup.h"

#include "parallel/launch_environment.h"

#include "core/error.h"
#include "core/rng.h"
#include "model/checkpoint.h"
#include "model/random_init.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <algorithm>

namespace astraea::driver {
namespace {

// Stream of the trial seed for the weights, so they never share random numbers with the noise.
constexpr std::uint64_t kWeightStream = 1;

// What fixes a seeded random transformer: its config, the seed, and where it lives.
std::string random_model_key(const config::ExperimentOptions& o, at::Device device, at::ScalarType dtype) {
  const auto& m = o.model;
  return fmt::format("{} {} h{} d{} l{} in{} out{} p{}x{} text{}x{} t{} sample{}x{}x{} tc{} interp{}/{} rope{} learned{} bias{} seed{} {} {}",
                     m.family, m.variant, m.num_attention_heads, m.attention_head_dim, m.num_layers, m.in_channels, m.out_channels,
                     m.patch_size, m.patch_size_t, m.max_text_seq_length, m.text_embed_dim, m.time_embed_dim, m.sample_frames,
                     m.sample_height, m.sample_width, m.temporal_compression_ratio, m.spatial_interpolation_scale,
                     m.temporal_interpolation_scale, m.use_rotary_positional_embeddings, m.use_learned_positional_embeddings,
                     m.patch_bias, o.seed, device.str(), c10::toString(dtype));
}

// The last random transformer built in this process: a sweep's trials (and a rank's) share it
// instead of drawing billions of weights again. Inference never writes the weights.
struct RandomModelCache {
  std::string key;
  model::CogVideoXTransformer3D transformer{nullptr};
};
RandomModelCache& random_model_cache() {
  static RandomModelCache cache;
  return cache;
}

}  // namespace

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
  // Rank r of a multi-process run on this host uses GPU LOCAL_RANK (torchrun's convention).
  const auto launch = parallel::launch_environment_from_env();
  const auto index = static_cast<c10::DeviceIndex>(launch ? launch->local_rank : 0);
  return (requested == "cuda" || (requested == "auto" && gpu)) ? at::Device(at::kCUDA, index) : at::Device(at::kCPU);
}

at::ScalarType pick_dtype(const std::string& name) {
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  return at::kFloat;
}

pipeline::GenerationRequest generation_request(const config::ExperimentOptions& o, const LatentShape& shape, const at::Tensor& prompt,
                                               const at::Tensor& negative, std::uint64_t seed) {
  pipeline::GenerationRequest request;
  request.prompt_embeds = prompt;
  request.negative_prompt_embeds = negative;
  request.latent_frames = shape.frames;
  request.latent_height = shape.height;
  request.latent_width = shape.width;
  request.seed = seed;
  request.guidance_scale = o.sampler.guidance_scale;
  request.dynamic_cfg = o.sampler.use_dynamic_cfg;
  request.sampler.name = o.sampler.name;
  request.sampler.steps = o.sampler.steps;
  request.sampler.schedule.snr_shift_scale = o.sampler.snr_shift_scale;
  return request;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

model::CogVideoXTransformer3D build_transformer(const config::ExperimentOptions& o, at::Device device, at::ScalarType dtype) {
  auto& cache = random_model_cache();
  if (o.model.init == "checkpoint") {
    cache = {};  // a random model kept for later trials would share the device with this one
    return load_transformer(o, device, dtype);
  }
  const auto key = random_model_key(o, device, dtype);
  if (cache.key != key) {
    cache = {};  // the previous model's memory goes before the next one's comes
    cache.transformer = load_transformer(o, device, dtype);
    cache.key = key;
  }
  return cache.transformer;
}

model::CogVideoXTransformer3D load_transformer(const config::ExperimentOptions& o, at::Device device, at::ScalarType dtype) {
  model::CogVideoXTransformer3D transformer(to_model_config(o.model));
  if (o.model.init == "checkpoint") {
    with_context(fmt::format("model.weights '{}'", o.model.weights), [&] {
      // The embedded model's weights also hold its text-token table, which is not the transformer's.
      const std::vector<std::string> ignore = o.model.text_encoder == "learned" ? std::vector<std::string>{"text_embedding."} : std::vector<std::string>{};
      model::load_state_dict(*transformer, model::TensorSource(o.model.weights), dtype, device, "", ignore);
    });
    transformer->eval();
    return transformer;
  }
  const auto weights_seed = derive_seed(static_cast<std::uint64_t>(o.seed), {kWeightStream});
  if (device.is_cpu()) {
    model::init_random_weights(*transformer, weights_seed);
    transformer->to(device, dtype);
  } else {
    transformer->to(device, dtype);
    model::init_random_weights(*transformer, weights_seed);
  }
  transformer->eval();
  return transformer;
}

}  // namespace astraea::driver

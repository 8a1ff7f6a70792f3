#include "model/cogvideox_config.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace astraea::model {
namespace {

template <typename T>
void read(const nlohmann::json& json, const char* key, T& value) {
  if (!json.contains(key) || json.at(key).is_null()) return;
  try {
    value = json.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail("model config: '{}': {}", key, e.what());
  }
}

void require_default(const nlohmann::json& json, const char* key, const std::string& expected) {
  if (json.contains(key) && !json.at(key).is_null() && json.at(key).get<std::string>() != expected) {
    fail("model config: '{}' = '{}' is not supported (only '{}')", key, json.at(key).get<std::string>(), expected);
  }
}

}  // namespace

CogVideoXConfig CogVideoXConfig::from_json(const nlohmann::json& json) {
  if (!json.is_object()) fail("model config: expected a JSON object");
  CogVideoXConfig c;
  read(json, "num_attention_heads", c.num_attention_heads);
  read(json, "attention_head_dim", c.attention_head_dim);
  read(json, "in_channels", c.in_channels);
  read(json, "out_channels", c.out_channels);
  read(json, "flip_sin_to_cos", c.flip_sin_to_cos);
  read(json, "freq_shift", c.freq_shift);
  read(json, "time_embed_dim", c.time_embed_dim);
  read(json, "text_embed_dim", c.text_embed_dim);
  read(json, "num_layers", c.num_layers);
  read(json, "sample_width", c.sample_width);
  read(json, "sample_height", c.sample_height);
  read(json, "sample_frames", c.sample_frames);
  read(json, "patch_size", c.patch_size);
  if (json.contains("patch_size_t") && !json.at("patch_size_t").is_null()) c.patch_size_t = json.at("patch_size_t").get<int>();
  read(json, "temporal_compression_ratio", c.temporal_compression_ratio);
  read(json, "max_text_seq_length", c.max_text_seq_length);
  read(json, "norm_eps", c.norm_eps);
  read(json, "norm_elementwise_affine", c.norm_elementwise_affine);
  read(json, "attention_bias", c.attention_bias);
  read(json, "spatial_interpolation_scale", c.spatial_interpolation_scale);
  read(json, "temporal_interpolation_scale", c.temporal_interpolation_scale);
  read(json, "use_rotary_positional_embeddings", c.use_rotary_positional_embeddings);
  read(json, "use_learned_positional_embeddings", c.use_learned_positional_embeddings);
  read(json, "patch_bias", c.patch_bias);
  require_default(json, "activation_fn", "gelu-approximate");
  require_default(json, "timestep_activation_fn", "silu");
  if (json.contains("ofs_embed_dim") && !json.at("ofs_embed_dim").is_null()) fail("model config: ofs_embed_dim (image-to-video 1.5) is not supported");
  if (json.contains("dropout") && json.at("dropout").get<double>() != 0.0) fail("model config: dropout must be 0 for inference");
  c.validate();
  return c;
}

void CogVideoXConfig::validate() const {
  auto positive = [](const char* name, int v) {
    if (v <= 0) fail("model config: {} must be positive, got {}", name, v);
  };
  positive("num_attention_heads", num_attention_heads);
  positive("attention_head_dim", attention_head_dim);
  positive("in_channels", in_channels);
  positive("out_channels", out_channels);
  positive("time_embed_dim", time_embed_dim);
  positive("text_embed_dim", text_embed_dim);
  positive("num_layers", num_layers);
  positive("patch_size", patch_size);
  positive("temporal_compression_ratio", temporal_compression_ratio);
  if (patch_size_t && *patch_size_t <= 0) fail("model config: patch_size_t must be positive or null, got {}", *patch_size_t);
  constexpr int kRopeAxes = 8;  // head dim splits t/h/w = 2/8, 3/8, 3/8
  if (use_rotary_positional_embeddings && attention_head_dim % kRopeAxes != 0) {
    fail("model config: 3D RoPE needs attention_head_dim divisible by 8, got {}", attention_head_dim);
  }
  constexpr int kSincosParts = 16;  // D/4 temporal + 3D/4 spatial, each as sin/cos halves
  if (use_sincos_positions() && inner_dim() % kSincosParts != 0) {
    fail("model config: sincos positions need num_attention_heads*attention_head_dim divisible by 16, got {}", inner_dim());
  }
}

}  // namespace astraea::model

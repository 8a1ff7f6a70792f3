// Hyper-parameters of diffusers' CogVideoXTransformer3DModel, under diffusers' config.json names.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>

namespace astraea::model {

struct CogVideoXConfig {
  int num_attention_heads = 30;
  int attention_head_dim = 64;
  int in_channels = 16;
  int out_channels = 16;
  bool flip_sin_to_cos = true;
  int freq_shift = 0;
  int time_embed_dim = 512;
  int text_embed_dim = 4096;
  int num_layers = 30;
  int sample_width = 90;
  int sample_height = 60;
  int sample_frames = 49;
  int patch_size = 2;
  std::optional<int> patch_size_t;
  int temporal_compression_ratio = 4;
  int max_text_seq_length = 226;
  double norm_eps = 1e-5;
  bool norm_elementwise_affine = true;
  bool attention_bias = true;
  double spatial_interpolation_scale = 1.875;
  double temporal_interpolation_scale = 1.0;
  bool use_rotary_positional_embeddings = false;
  bool use_learned_positional_embeddings = false;
  bool patch_bias = true;

  int inner_dim() const { return num_attention_heads * attention_head_dim; }
  // Sincos positions are used exactly when neither RoPE nor learned positions are.
  bool use_sincos_positions() const { return !use_rotary_positional_embeddings; }

  // Reads diffusers' config.json keys; unknown keys are ignored (diffusers writes bookkeeping
  // such as _class_name), but keys astraea cannot honour (ofs_embed_dim, activation functions
  // other than the defaults) are rejected.
  static CogVideoXConfig from_json(const nlohmann::json& json);
  // Throws astraea::Error naming the first inconsistent field.
  void validate() const;
};

}  // namespace astraea::model

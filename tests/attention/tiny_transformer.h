// A two-layer RoPE transformer small enough for exact accelerator tests: text 8, then latent
// frames of 4 x 4 patches (8 x 8 latents, patch 2), seeded random weights of std 0.2.
#pragma once

#include "model/cogvideox_transformer.h"
#include "model/random_init.h"

#include <cstdint>

namespace astraea::testing {

inline constexpr int kTinyLayers = 2;

inline model::CogVideoXTransformer3D tiny_transformer(int sample_frames, std::uint64_t seed) {
  model::CogVideoXConfig c;
  c.num_attention_heads = 2;
  c.attention_head_dim = 16;
  c.num_layers = kTinyLayers;
  c.in_channels = 4;
  c.out_channels = 4;
  c.text_embed_dim = 8;
  c.max_text_seq_length = 8;
  c.time_embed_dim = 8;
  c.sample_width = 8;
  c.sample_height = 8;
  c.sample_frames = sample_frames;
  c.patch_size = 2;
  c.use_rotary_positional_embeddings = true;
  model::CogVideoXTransformer3D t(c);
  model::init_random_weights(*t, seed, 0.2);
  t->eval();
  return t;
}

}  // namespace astraea::testing

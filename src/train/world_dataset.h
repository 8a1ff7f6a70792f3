// The training set of the embedded model: clips of the procedural world rendered once, on all
// cores, into tensors, then sampled with replacement. Clip i is scene i of world `seed`, so the
// same (seed, count, world) gives the same tensors on every machine.
#pragma once

#include "config/experiment_options.h"
#include "data/world_options.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace astraea::train {

struct WorldDataset {
  at::Tensor clips;          // [N, F, 3, H, W] float32 in [0, 1]
  at::Tensor token_ids;      // [N, L] int64, the world tokenizer's encoding of each prompt
  at::Tensor shape_ids;      // [N] int64
  at::Tensor colour_ids;     // [N] int64
  at::Tensor direction_ids;  // [N] int64
  at::Tensor background_ids; // [N] int64
  at::Tensor empty_prompt;   // [L] int64, the encoding of "" (classifier-free guidance's negative)

  std::int64_t size() const { return clips.size(0); }
};

// The world's clip size from a config's video section (the rest of the world at its defaults).
data::WorldOptions world_for(const config::VideoOptions& video);

// Renders `count` clips with up to `threads` threads (0: the hardware's). `max_tokens` is the
// text length of the encodings (the model's max_text_seq_length). Throws astraea::Error for
// invalid world options or a max_tokens too short for a whole prompt.
WorldDataset render_world_dataset(std::uint64_t seed, int count, const data::WorldOptions& world, int max_tokens, unsigned threads = 0);

}  // namespace astraea::train

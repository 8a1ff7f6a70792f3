// A training batch from the procedural world: clips, their prompts as token ids, and each
// attribute's class id (the checker's heads). Sample i is scene first_index + i of dataset
// `seed`, exactly as sample_scene and render_scene give it, so batches that tile an index range
// give the same data however they are cut.
#pragma once

#include "data/render.h"
#include "data/world_options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace astraea::data {

// Room for a whole prompt (kPromptWordCount words and <eos>) with some to spare.
inline constexpr int kDefaultPromptTokens = 16;

struct BatchOptions {
  WorldOptions world;
  int max_tokens = kDefaultPromptTokens;
};

// Flat row-major arrays, ready to be wrapped as tensors; ids are int64 (embedding indices).
struct Batch {
  int count = 0;
  int frames = 0;
  int height = 0;
  int width = 0;
  int channels = 0;
  int max_tokens = 0;

  std::vector<float> videos;                 // [count][frames][height][width][channels]
  std::vector<std::int64_t> token_ids;       // [count][max_tokens]
  std::vector<std::int64_t> attention_mask;  // [count][max_tokens]
  std::vector<std::string> prompts;          // [count]
  std::vector<SceneSpec> scenes;             // [count]
  // Class ids per attribute, the enums' values: [count] each.
  std::vector<std::int64_t> shape_ids;
  std::vector<std::int64_t> colour_ids;
  std::vector<std::int64_t> direction_ids;
  std::vector<std::int64_t> speed_ids;
  std::vector<std::int64_t> background_ids;
};

// Throws astraea::Error for invalid world options, count < 1, or max_tokens too short for a
// whole prompt and its <eos> (a truncated prompt would lose the background).
Batch make_batch(std::uint64_t seed, std::uint64_t first_index, int count, const BatchOptions& options = {});

}  // namespace astraea::data

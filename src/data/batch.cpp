#include "data/batch.h"

#include "core/error.h"
#include "data/prompt.h"
#include "data/scene_sampler.h"

#include <algorithm>
#include <cstddef>

namespace astraea::data {

Batch make_batch(std::uint64_t seed, std::uint64_t first_index, int count, const BatchOptions& options) {
  validate(options.world);
  if (count < 1) fail("make_batch: count must be at least 1, got {}", count);
  if (options.max_tokens < kPromptWordCount + 1) {
    fail(ErrorKind::kConfig, "make_batch: max_tokens must hold a whole prompt ({} words and <eos>), got {}",
         kPromptWordCount, options.max_tokens);
  }
  const WorldOptions& world = options.world;
  Batch batch;
  batch.count = count;
  batch.frames = world.frames;
  batch.height = world.height;
  batch.width = world.width;
  batch.channels = kChannels;
  batch.max_tokens = options.max_tokens;

  const std::size_t clip_size = static_cast<std::size_t>(world.frames) * world.height * world.width * kChannels;
  const auto n = static_cast<std::size_t>(count);
  const auto tokens = static_cast<std::size_t>(options.max_tokens);
  batch.videos.resize(clip_size * n);
  batch.token_ids.resize(tokens * n);
  batch.attention_mask.resize(tokens * n);
  const Tokenizer tokenizer = world_tokenizer();

  for (std::size_t i = 0; i < n; ++i) {
    const SceneSpec scene = sample_scene(seed, first_index + i, world);
    render_scene_into(scene, world, batch.videos.data() + clip_size * i);
    std::string prompt = prompt_for(scene.labels);
    const Encoding encoding = tokenizer.encode(prompt, options.max_tokens);
    std::copy(encoding.ids.begin(), encoding.ids.end(), batch.token_ids.begin() + static_cast<std::ptrdiff_t>(tokens * i));
    std::copy(encoding.mask.begin(), encoding.mask.end(),
              batch.attention_mask.begin() + static_cast<std::ptrdiff_t>(tokens * i));
    batch.prompts.push_back(std::move(prompt));
    batch.shape_ids.push_back(static_cast<std::int64_t>(scene.labels.shape));
    batch.colour_ids.push_back(static_cast<std::int64_t>(scene.labels.colour));
    batch.direction_ids.push_back(static_cast<std::int64_t>(scene.labels.direction));
    batch.speed_ids.push_back(static_cast<std::int64_t>(scene.labels.speed));
    batch.background_ids.push_back(static_cast<std::int64_t>(scene.labels.background));
    batch.scenes.push_back(scene);
  }
  return batch;
}

}  // namespace astraea::data

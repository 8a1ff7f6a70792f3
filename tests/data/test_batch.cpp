// Batches: each sample equals the scene sampled and rendered on its own, batches tile an index
// range, token ids decode to the prompt, and the class ids agree with parsing the prompt.
#include "core/error.h"
#include "data/batch.h"
#include "data/prompt.h"
#include "data/scene_sampler.h"
#include "support/catch.h"

#include <algorithm>
#include <span>

using namespace astraea::data;

TEST_CASE("each batch sample is the scene rendered on its own", "[data][batch]") {
  BatchOptions options;
  options.world.frames = 9;
  options.world.height = 24;
  options.world.width = 28;
  const Batch batch = make_batch(11, 100, 5, options);
  REQUIRE(batch.count == 5);
  REQUIRE(batch.frames == 9);
  REQUIRE(batch.height == 24);
  REQUIRE(batch.width == 28);
  REQUIRE(batch.channels == 3);
  REQUIRE(batch.videos.size() == 5u * 9 * 24 * 28 * 3);
  REQUIRE(batch.token_ids.size() == 5u * 16);
  REQUIRE(batch.attention_mask.size() == 5u * 16);

  const Tokenizer tokenizer = world_tokenizer();
  const std::size_t clip_size = 9u * 24 * 28 * 3;
  for (std::size_t i = 0; i < 5; ++i) {
    const SceneSpec scene = sample_scene(11, 100 + i, options.world);
    const Clip clip = render_scene(scene, options.world);
    CHECK(std::equal(clip.samples.begin(), clip.samples.end(), batch.videos.begin() + static_cast<std::ptrdiff_t>(clip_size * i)));
    CHECK(batch.prompts[i] == prompt_for(scene.labels));
    const std::span<const std::int64_t> ids(batch.token_ids.data() + 16 * i, 16);
    CHECK(tokenizer.decode(ids) == batch.prompts[i]);
    const SceneLabels parsed = parse_prompt(batch.prompts[i]);
    CHECK(batch.shape_ids[i] == static_cast<std::int64_t>(parsed.shape));
    CHECK(batch.colour_ids[i] == static_cast<std::int64_t>(parsed.colour));
    CHECK(batch.direction_ids[i] == static_cast<std::int64_t>(parsed.direction));
    CHECK(batch.speed_ids[i] == static_cast<std::int64_t>(parsed.speed));
    CHECK(batch.background_ids[i] == static_cast<std::int64_t>(parsed.background));
    CHECK(batch.scenes[i].labels == scene.labels);
    for (std::size_t k = 0; k < 16; ++k) {
      CHECK(batch.attention_mask[16 * i + k] == (k <= static_cast<std::size_t>(kPromptWordCount) ? 1 : 0));
    }
  }
}

TEST_CASE("batches that tile an index range give the same data", "[data][batch]") {
  const Batch whole = make_batch(3, 0, 6);
  const Batch first = make_batch(3, 0, 4);
  const Batch second = make_batch(3, 4, 2);
  std::vector<float> joined = first.videos;
  joined.insert(joined.end(), second.videos.begin(), second.videos.end());
  CHECK(joined == whole.videos);
  std::vector<std::int64_t> ids = first.token_ids;
  ids.insert(ids.end(), second.token_ids.begin(), second.token_ids.end());
  CHECK(ids == whole.token_ids);
}

TEST_CASE("make_batch rejects a bad count, a short token budget and bad options", "[data][batch]") {
  CHECK_THROWS_WITH(make_batch(0, 0, 0), Catch::Contains("count must be at least 1, got 0"));
  BatchOptions short_tokens;
  short_tokens.max_tokens = 10;
  CHECK_THROWS_WITH(make_batch(0, 0, 1, short_tokens), Catch::Contains("max_tokens must hold a whole prompt (10 words and <eos>), got 10"));
  BatchOptions bad_world;
  bad_world.world.frames = 1;
  CHECK_THROWS_WITH(make_batch(0, 0, 1, bad_world), Catch::Contains("world.frames"));
}

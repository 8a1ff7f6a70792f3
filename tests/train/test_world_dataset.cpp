// The rendered training set equals make_batch clip for clip, whatever the thread count.
#include <ATen/ATen.h>

#include "data/batch.h"
#include "data/tokenizer.h"
#include "support/catch.h"
#include "train/world_dataset.h"

using namespace astraea;

TEST_CASE("the world dataset is make_batch's clips, transposed to [N, F, C, H, W]", "[train][world_dataset]") {
  data::WorldOptions world;
  world.frames = 4;
  world.height = 16;
  world.width = 16;
  const int count = 150;  // three chunks, the last partial
  const auto one = train::render_world_dataset(3, count, world, 16, 1);
  const auto many = train::render_world_dataset(3, count, world, 16, 3);
  CHECK(at::equal(one.clips, many.clips));
  CHECK(at::equal(one.token_ids, many.token_ids));
  REQUIRE(one.clips.sizes() == at::IntArrayRef({count, 4, 3, 16, 16}));

  const auto batch = data::make_batch(3, 100, 50, {world, 16});
  for (const int i : {0, 17, 49}) {
    const auto clip = one.clips[100 + i];
    for (const auto& [f, y, x, c] : {std::array{0, 0, 0, 0}, std::array{3, 7, 9, 2}, std::array{2, 15, 4, 1}}) {
      const std::size_t flat = (((static_cast<std::size_t>(i) * 4 + f) * 16 + y) * 16 + x) * 3 + c;
      CHECK(clip[f][c][y][x].item<float>() == batch.videos[flat]);
    }
    CHECK(one.shape_ids[100 + i].item<std::int64_t>() == batch.shape_ids[static_cast<std::size_t>(i)]);
    CHECK(one.direction_ids[100 + i].item<std::int64_t>() == batch.direction_ids[static_cast<std::size_t>(i)]);
    CHECK(one.token_ids[100 + i][0].item<std::int64_t>() == batch.token_ids[static_cast<std::size_t>(i) * 16]);
  }
  CHECK(one.empty_prompt[0].item<std::int64_t>() == data::kEosId);
  CHECK(one.empty_prompt.slice(0, 1).eq(data::kPadId).all().item<bool>());
}

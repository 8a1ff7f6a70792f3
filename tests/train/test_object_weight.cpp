// The object-weighted loss: the object mask against hand-counted pixels of rendered scenes, and
// the weighted MSE against hand-worked values.
#include <ATen/ATen.h>

#include "data/background.h"
#include "data/render.h"
#include "support/catch.h"
#include "train/object_weight.h"

using namespace astraea;

namespace {

// One rendered clip as [1, F, C, H, W].
at::Tensor rendered(const data::SceneSpec& scene, const data::WorldOptions& world) {
  const auto clip = data::render_scene(scene, world);
  return at::from_blob(const_cast<float*>(clip.samples.data()), {1, world.frames, world.height, world.width, data::kChannels}, at::kFloat)
      .permute({0, 1, 4, 2, 3})
      .contiguous();
}

}  // namespace

TEST_CASE("the background table holds every background's rows", "[train][object_weight]") {
  const auto table = train::background_table(16);
  REQUIRE(table.sizes() == at::IntArrayRef({data::kBackgroundCount, 16}));
  CHECK(table[static_cast<int>(data::Background::kWhite)][5].item<float>() == data::kWhiteLevel);
  // Striped: 8 bands of 2 rows, dark first.
  CHECK(table[static_cast<int>(data::Background::kStriped)][1].item<float>() == data::kStripeDarkLevel);
  CHECK(table[static_cast<int>(data::Background::kStriped)][2].item<float>() == data::kStripeLightLevel);
}

TEST_CASE("the object mask covers exactly the pixels a still, pixel-aligned square fills", "[train][object_weight]") {
  data::WorldOptions world;
  world.frames = 3;
  world.height = 24;
  world.width = 24;
  for (const auto background : {data::Background::kBlack, data::Background::kStriped, data::Background::kGradient}) {
    data::SceneSpec scene;
    scene.labels.shape = data::Shape::kSquare;
    scene.labels.colour = data::Colour::kYellow;
    scene.labels.background = background;
    scene.placement = {10.0, 9.0, 6.0, 0.0};  // box [7, 13) x [6, 12): 36 whole pixels, still
    const auto clips = rendered(scene, world);
    const auto mask = train::object_mask(clips, at::tensor({static_cast<std::int64_t>(background)}), train::background_table(world.height));
    REQUIRE(mask.sizes() == at::IntArrayRef({1, 3, 1, 24, 24}));
    CHECK(mask.sum().item<std::int64_t>() == 3 * 36);
    CHECK(mask[0][1][0][6][7].item<bool>());
    CHECK(mask[0][1][0][11][12].item<bool>());
    CHECK_FALSE(mask[0][1][0][12][12].item<bool>());
    CHECK_FALSE(mask[0][1][0][6][6].item<bool>());
  }
}

TEST_CASE("the object mask follows a moving object and counts its anti-aliased edges", "[train][object_weight]") {
  data::WorldOptions world;
  world.frames = 2;
  world.height = 16;
  world.width = 16;
  data::SceneSpec scene;
  scene.labels.shape = data::Shape::kSquare;
  scene.labels.direction = data::Direction::kRight;
  scene.placement = {5.0, 8.0, 4.0, 1.5};  // frame 0: x in [3, 7); frame 1: x in [4.5, 8.5), two partly covered columns
  const auto mask = train::object_mask(rendered(scene, world), at::tensor({std::int64_t{0}}), train::background_table(world.height));
  CHECK(mask[0][0].sum().item<std::int64_t>() == 16);
  CHECK(mask[0][1].sum().item<std::int64_t>() == 20);
  CHECK(mask[0][1][0][8][4].item<bool>());  // half covered
  CHECK(mask[0][1][0][8][8].item<bool>());  // half covered
  CHECK_FALSE(mask[0][1][0][8][3].item<bool>());
}

TEST_CASE("the object-weighted MSE weights masked pixels and keeps the plain MSE at weight 0", "[train][object_weight]") {
  // Two pixels per channel-less frame: errors 1 (object) and 3 (background).
  const auto prediction = at::tensor({1.0f, 3.0f}).view({1, 1, 1, 1, 2});
  const auto target = at::zeros_like(prediction);
  const auto mask = at::tensor({1, 0}).to(at::kBool).view({1, 1, 1, 1, 2});
  CHECK(train::object_weighted_mse(prediction, target, mask, 0.0).item<double>() == Approx(5.0));  // (1 + 9) / 2
  CHECK(train::object_weighted_mse(prediction, target, mask, 3.0).item<double>() == Approx(13.0 / 5.0));  // (4 * 1 + 9) / 5
  // Channels share their pixel's weight.
  const auto rgb = at::tensor({1.0f, 3.0f, 1.0f, 3.0f, 1.0f, 3.0f}).view({1, 1, 3, 1, 2});
  CHECK(train::object_weighted_mse(rgb, at::zeros_like(rgb), mask, 3.0).item<double>() == Approx(13.0 / 5.0));
}

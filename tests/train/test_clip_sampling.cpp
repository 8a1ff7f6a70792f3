// Shape-weighted clip sampling: the drawn clips' shapes against the probabilities the weights
// give, worked out by hand for a planted dataset, and the weights' validation.
#include <ATen/ATen.h>

#include "core/error.h"
#include "support/catch.h"
#include "train/clip_sampling.h"

using namespace astraea;

namespace {

// 10 clips: shape s appears s + 1 times (square 1, circle 2, triangle 3, diamond 4, cross 0).
at::Tensor planted_shapes() { return at::tensor({0, 1, 1, 2, 2, 2, 3, 3, 3, 3}, at::kLong); }

}  // namespace

TEST_CASE("no weights draw clips uniformly", "[train][clip_sampling]") {
  at::manual_seed(3);
  CHECK_FALSE(train::clip_weights(planted_shapes(), {}).defined());
  const auto index = train::draw_clip_indices(at::Tensor(), 10, 40000, at::kCPU);
  REQUIRE(index.sizes() == at::IntArrayRef({40000}));
  CHECK(index.min().item<std::int64_t>() >= 0);
  CHECK(index.max().item<std::int64_t>() <= 9);
  const auto counts = at::bincount(index, {}, 10).to(at::kDouble) / 40000.0;
  for (int i = 0; i < 10; ++i) CHECK(counts[i].item<double>() == Approx(0.1).margin(0.01));
}

TEST_CASE("a shape's weight scales the chance of its clips", "[train][clip_sampling]") {
  at::manual_seed(4);
  // Weights 1, 1, 1, 3 (cross absent): the clip weights sum to 1 + 2 + 3 + 12 = 18, so a square
  // clip comes 1/18 of the time, the circles 2/18, the triangles 3/18 and the diamonds 12/18.
  const std::vector<double> weights = {1.0, 1.0, 1.0, 3.0, 1.0};
  const auto shapes = planted_shapes();
  const std::int64_t draws = 60000;
  const auto drawn = shapes.index_select(0, train::draw_clip_indices(train::clip_weights(shapes, weights), 10, draws, at::kCPU));
  const auto share = at::bincount(drawn, {}, 5).to(at::kDouble) / static_cast<double>(draws);
  CHECK(share[0].item<double>() == Approx(1.0 / 18).margin(0.006));
  CHECK(share[1].item<double>() == Approx(2.0 / 18).margin(0.006));
  CHECK(share[2].item<double>() == Approx(3.0 / 18).margin(0.006));
  CHECK(share[3].item<double>() == Approx(12.0 / 18).margin(0.006));
  CHECK(share[4].item<double>() == 0.0);
}

TEST_CASE("a zero weight never draws its shape", "[train][clip_sampling]") {
  at::manual_seed(5);
  const auto shapes = planted_shapes();
  const auto drawn = shapes.index_select(0, train::draw_clip_indices(train::clip_weights(shapes, {0.0, 0.0, 0.0, 1.0, 0.0}), 10, 5000, at::kCPU));
  CHECK(drawn.eq(3).all().item<bool>());
}

TEST_CASE("bad shape weights are refused with the field named", "[train][clip_sampling]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(train::validate_shape_weights({1.0, 2.0}), Contains("train.shape_weights") && Contains("expected 5"));
  CHECK_THROWS_WITH(train::validate_shape_weights({1.0, -1.0, 1.0, 1.0, 1.0}), Contains("train.shape_weights[1]"));
  CHECK_THROWS_WITH(train::validate_shape_weights({0.0, 0.0, 0.0, 0.0, 0.0}), Contains("every weight is 0"));
  // Only crosses weigh anything, and the planted dataset has none.
  CHECK_THROWS_WITH(train::clip_weights(planted_shapes(), {0.0, 0.0, 0.0, 0.0, 1.0}), Contains("no clip"));
  CHECK_THROWS_WITH(train::clip_weights(planted_shapes(), {1.0, 2.0}), Contains("expected 5"));
}

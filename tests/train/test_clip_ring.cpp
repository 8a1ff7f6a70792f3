// The checker's ring augmentation against hand-worked frames: a one-pixel object on grey, an
// object in a corner, a partly covered pixel, and a clip without an object.
#include <ATen/ATen.h>

#include "support/catch.h"
#include "train/clip_ring.h"

using namespace astraea;

namespace {

// One clip of one frame: 5 x 5 of grey 0.5.
at::Tensor grey_frame() { return at::full({1, 1, 3, 5, 5}, 0.5f); }

void paint(at::Tensor& clip, std::int64_t row, std::int64_t col, std::vector<float> rgb) {
  for (std::int64_t c = 0; c < 3; ++c) clip.index_put_({0, 0, c, row, col}, rgb[static_cast<std::size_t>(c)]);
}

at::Tensor pixel(const at::Tensor& clip, std::int64_t row, std::int64_t col) { return clip.index({0, 0, at::indexing::Slice(), row, col}); }

}  // namespace

TEST_CASE("ring_clips blends the object's eight neighbours towards the ring colour and nothing else", "[train][ring]") {
  auto clip = grey_frame();
  paint(clip, 2, 2, {1, 0, 0});  // a red pixel in the middle
  const auto cyan = at::tensor({0.0f, 1.0f, 1.0f}).view({1, 3});
  const auto full = train::ring_clips(clip, cyan, at::tensor({1.0f}));
  const auto quarter = train::ring_clips(clip, cyan, at::tensor({0.25f}));
  int ring = 0;
  for (std::int64_t r = 0; r < 5; ++r) {
    for (std::int64_t c = 0; c < 5; ++c) {
      INFO("pixel " << r << ", " << c);
      const bool neighbour = std::abs(r - 2) <= 1 && std::abs(c - 2) <= 1 && !(r == 2 && c == 2);
      if (neighbour) {
        ++ring;
        CHECK(at::allclose(pixel(full, r, c), at::tensor({0.0f, 1.0f, 1.0f})));
        // 0.5 + 0.25 (target - 0.5)
        CHECK(at::allclose(pixel(quarter, r, c), at::tensor({0.375f, 0.625f, 0.625f})));
      } else {
        CHECK(at::equal(pixel(full, r, c), pixel(clip, r, c)));  // the object and the far background
      }
    }
  }
  CHECK(ring == 8);
  CHECK(at::equal(train::ring_clips(clip, cyan, at::tensor({0.0f})), clip));  // strength 0
}

TEST_CASE("ring_clips: a corner object's ring stays inside the frame; a partly covered pixel is the object's", "[train][ring]") {
  auto clip = grey_frame();
  paint(clip, 0, 0, {0, 0, 1});
  paint(clip, 0, 1, {0.4f, 0.4f, 0.65f});  // a quarter covered by blue: chroma 0.25
  const auto out = train::ring_clips(clip, at::tensor({1.0f, 1.0f, 0.0f}).view({1, 3}), at::tensor({1.0f}));
  CHECK(at::equal(pixel(out, 0, 1), pixel(clip, 0, 1)));
  for (const auto& [r, c] : std::vector<std::pair<int, int>>{{1, 0}, {1, 1}, {0, 2}, {1, 2}}) {
    INFO("pixel " << r << ", " << c);
    CHECK(at::allclose(pixel(out, r, c), at::tensor({1.0f, 1.0f, 0.0f})));
  }
  CHECK(at::equal(pixel(out, 2, 2), pixel(clip, 2, 2)));
  CHECK(at::equal(pixel(out, 0, 3), pixel(clip, 0, 3)));
}

TEST_CASE("ring_clips leaves a clip without an object alone and rings each clip with its own strength", "[train][ring]") {
  // Two clips of two frames: a striped grey background (no object), and a green pixel that moves.
  auto clips = at::arange(5, at::kFloat).view({1, 1, 1, 5, 1}).expand({2, 2, 3, 5, 5}).contiguous() / 5;
  clips.index_put_({1, 0, 1, 1, 1}, 1.0f);
  clips.index_put_({1, 1, 1, 3, 3}, 1.0f);
  const auto colours = at::zeros({2, 3});
  const auto out = train::ring_clips(clips, colours, at::tensor({1.0f, 0.5f}));
  CHECK(at::equal(out[0], clips[0]));
  // Frame 0's ring is around (1, 1), frame 1's around (3, 3); at half strength towards black.
  CHECK(out[1][0][0][0][0].item<float>() == Approx(clips[1][0][0][0][0].item<float>() * 0.5f));
  CHECK(out[1][0][0][4][4].item<float>() == clips[1][0][0][4][4].item<float>());
  CHECK(out[1][1][0][4][4].item<float>() == Approx(clips[1][1][0][4][4].item<float>() * 0.5f));
  CHECK(out[1][1][0][0][0].item<float>() == clips[1][1][0][0][0].item<float>());
}

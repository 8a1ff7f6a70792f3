// Band orders of the temporal heads: hand-worked tile shapes and orders, round trips on odd shapes
// (226 text tokens, T', H, W not multiples of the tile), agreement of token_major with the orders
// the masks and kernels used before, the true neighbours a narrow band keeps in each order, and
// the option reaching the accelerator and the kernel plan.
#include "attention/layout_permutation.h"
#include "attention/rainfusion_accelerator.h"
#include "attention/rainfusion_kernels.h"
#include "attention/rainfusion_masks.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

using namespace astraea::attention;

namespace {

bool same(const at::Tensor& a, const std::vector<std::int64_t>& b) { return at::equal(a, at::tensor(b, at::kLong)); }

// Kept entries of `mask` between two banded video tokens (after the sink) that are true
// neighbours: |dt|, |dh|, |dw| <= 1, coordinates read off the frame-major joint index.
std::int64_t neighbours_kept(const at::Tensor& mask, const VideoLayout& layout) {
  const std::int64_t first = layout.text_tokens + layout.frame_tokens();
  const at::Tensor i = at::arange(first, layout.total_tokens(), at::kLong) - layout.text_tokens;
  const at::Tensor t = i.div(layout.frame_tokens(), "floor");
  const at::Tensor h = (i % layout.frame_tokens()).div(layout.width, "floor");
  const at::Tensor w = i % layout.width;
  const auto close = [](const at::Tensor& x) { return (x.unsqueeze(1) - x.unsqueeze(0)).abs() <= 1; };
  const at::Tensor neighbour = close(t) & close(h) & close(w);
  return (mask.slice(0, first).slice(1, first) & neighbour).sum().item<std::int64_t>();
}

}  // namespace

TEST_CASE("tile shapes fill the block and stay compact", "[rainfusion][permutation]") {
  const auto shape = [](int t, int h, int w, int block) {
    const TileShape s = tile_shape_for(t, h, w, block);
    return std::vector<int>{s.frames, s.height, s.width};
  };
  CHECK(shape(12, 30, 45, 128) == std::vector<int>{4, 8, 4});  // CogVideoX-2B latents after the sink
  CHECK(shape(5, 9, 11, 16) == std::vector<int>{2, 4, 2});
  CHECK(shape(2, 2, 3, 4) == std::vector<int>{1, 2, 2});
  CHECK(shape(2, 2, 3, 128) == std::vector<int>{2, 2, 3});  // a grid smaller than a block is one tile
  CHECK_THROWS(tile_shape_for(0, 2, 2, 4));
}

TEST_CASE("band orders on a hand-worked layout", "[rainfusion][permutation]") {
  // One text token, a 2 x 3 sink frame (tokens 1..6), then two banded frames: tokens 7..12, 13..18.
  const VideoLayout layout{1, 3, 2, 3};
  CHECK(same(band_order(layout, TokenOrder::kTokenMajor, 4, true), {0, 1, 2, 3, 4, 5, 6, 7, 13, 8, 14, 9, 15, 10, 16, 11, 17, 12, 18}));
  // Tiles of 1 x 2 x 2: (t0, w 0..1), (t0, w 2), (t1, w 0..1), (t1, w 2); inside a tile (h, w).
  CHECK(same(band_order(layout, TokenOrder::kTileMajor, 4, true), {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 9, 12, 13, 14, 16, 17, 15, 18}));
}

TEST_CASE("band orders round-trip on odd shapes and keep text and sink in front", "[rainfusion][permutation]") {
  at::manual_seed(21);
  for (const VideoLayout layout : {VideoLayout{226, 6, 9, 11}, VideoLayout{226, 4, 7, 5}, VideoLayout{3, 1, 3, 5}}) {
    for (const int block : {16, 128}) {
      for (const bool sink : {true, false}) {
        for (const TokenOrder order : {TokenOrder::kTokenMajor, TokenOrder::kTileMajor}) {
          INFO("T " << layout.frames << " H " << layout.height << " W " << layout.width << " block " << block << " sink " << sink
                    << " tile-major " << (order == TokenOrder::kTileMajor));
          const std::int64_t s = layout.total_tokens();
          const at::Tensor perm = band_order(layout, order, block, sink);
          const at::Tensor inverse = inverse_permutation(perm);
          REQUIRE(perm.sizes() == at::IntArrayRef{s});
          CHECK(at::equal(std::get<0>(perm.sort()), at::arange(s, at::kLong)));
          CHECK(at::equal(perm.index_select(0, inverse), at::arange(s, at::kLong)));
          CHECK(at::equal(inverse.index_select(0, perm), at::arange(s, at::kLong)));
          const std::int64_t front = layout.text_tokens + (sink && layout.frames > 1 ? layout.frame_tokens() : 0);
          CHECK(at::equal(perm.slice(0, 0, front), at::arange(front, at::kLong)));
          const at::Tensor x = at::randn({2, 3, s, 4});
          CHECK(at::equal(x.index_select(2, perm).index_select(2, inverse), x));
        }
        // token_major is the order the kernels' temporal heads and the frame <-> token-major
        // permutation already use.
        const at::Tensor token_major = band_order(layout, TokenOrder::kTokenMajor, block, sink);
        if (sink) CHECK(at::equal(token_major, rainfusion_temporal_order(layout, true)));
        if (!sink) CHECK(at::equal(token_major, frame_to_token_major(layout)));
      }
    }
  }
}

TEST_CASE("a narrow band keeps more true neighbours in tile-major order", "[rainfusion][permutation]") {
  // 226 text tokens, a sink frame, then T' = 5 frames of 9 x 11: tiles of 2 x 4 x 2 for block 16
  // divide none of the axes.
  const VideoLayout layout{226, 6, 9, 11};
  constexpr int kBlock = 16;
  const auto temporal = [&](double sparsity, TokenOrder order) {
    return pattern_mask(HeadPattern::kTemporal, layout, sparsity, kBlock, 2, true, order);
  };
  // Sparsity 0.9: half-width floor(0.051 * 495 / 16) -> one block of 16 tokens.
  const at::Tensor token_major = temporal(0.9, TokenOrder::kTokenMajor);
  const at::Tensor tile_major = temporal(0.9, TokenOrder::kTileMajor);
  CHECK(mask_density(token_major) == mask_density(tile_major));  // the same band, another order
  const std::int64_t kept_token = neighbours_kept(token_major, layout);
  const std::int64_t kept_tile = neighbours_kept(tile_major, layout);
  const std::int64_t all = neighbours_kept(at::ones_like(token_major), layout);
  INFO("true neighbours kept at s = 0.9: token-major " << kept_token << ", tile-major " << kept_tile << " of " << all);
  CHECK(kept_tile > kept_token);
  CHECK(kept_token == 3627);
  CHECK(kept_tile == 5307);
  CHECK(all == 10075);
  // The gain is for narrow bands: at s = 0.75 (half-width 64 >= W * T' + T' = 60) the token-major
  // band already reaches every (h +- 1, w +- 1) neighbour and keeps them all.
  CHECK(neighbours_kept(temporal(0.75, TokenOrder::kTokenMajor), layout) == all);
  CHECK(neighbours_kept(temporal(0.75, TokenOrder::kTileMajor), layout) < all);
}

TEST_CASE("tile-major reaches the temporal heads of the accelerator and the kernel plan", "[rainfusion][permutation]") {
  at::manual_seed(22);
  const VideoLayout layout{5, 4, 5, 6};
  const std::int64_t s = layout.total_tokens();
  const at::Tensor q = at::randn({1, 2, s, 8}), k = at::randn({1, 2, s, 8}), v = at::randn({1, 2, s, 8});
  RainFusionSettings settings;
  settings.alpha = 0.0;  // every head temporal
  settings.sparsity = 0.9;
  settings.block_size = 8;
  settings.warmup = 0.0;
  settings.temporal_order = TokenOrder::kTileMajor;
  RainFusionAccelerator acc(settings);
  acc.begin_step(0, 1);
  const at::Tensor out = acc.attention(0, q, k, v, layout, {});
  // Independent reference: masked softmax in double precision under the tile-major band.
  const at::Tensor mask = pattern_mask(HeadPattern::kTemporal, layout, 0.9, 8, 2, true, TokenOrder::kTileMajor);
  const at::Tensor logits = at::matmul(q.to(at::kDouble), k.to(at::kDouble).transpose(-2, -1)) / std::sqrt(8.0);
  const at::Tensor expected = at::matmul(at::softmax(logits.masked_fill(~mask, -INFINITY), -1), v.to(at::kDouble));
  CHECK((out.to(at::kDouble) - expected).abs().max().item<double>() <= 1e-5);
  CHECK_FALSE(at::equal(mask, pattern_mask(HeadPattern::kTemporal, layout, 0.9, 8, 2, true, TokenOrder::kTokenMajor)));

  const RainFusionKernelPlan plan = make_rainfusion_kernel_plan(layout, 0.9, 8, 2, true, at::kCPU, TokenOrder::kTileMajor);
  CHECK(at::equal(plan.temporal_gather, band_order(layout, TokenOrder::kTileMajor, 8, true)));
  CHECK(at::equal(plan.temporal_gather.index_select(0, plan.temporal_inverse), at::arange(s, at::kLong)));
  CHECK(plan_matches(plan, layout, 0.9, 8, 2, true, at::kCPU, TokenOrder::kTileMajor));
  CHECK_FALSE(plan_matches(plan, layout, 0.9, 8, 2, true, at::kCPU, TokenOrder::kTokenMajor));
}

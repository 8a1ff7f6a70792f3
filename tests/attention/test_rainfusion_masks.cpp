// RainFusion pattern masks: hand-worked small masks, realised density on odd shapes, the block
// view against the dense mask, and the token permutation.
#include "attention/rainfusion_masks.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

using namespace astraea::attention;

namespace {

// Rows of '0'/'1' characters -> bool [rows, cols].
at::Tensor from_rows(const std::vector<std::string>& rows) {
  std::vector<std::int64_t> bits;
  for (const auto& row : rows) {
    for (char c : row) {
      if (c != ' ') bits.push_back(c == '1');
    }
  }
  const auto n = static_cast<std::int64_t>(rows.size());
  return at::tensor(bits, at::kLong).view({n, -1}).to(at::kBool);
}

bool same_tensor(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && at::equal(a, b); }

// One text token, then T = 3 frames of 2 x 2; frame 0 is the sink; block 2 and sparsity 0.5 give
// w = floor(0.293 * 8 / 2) * 2 = 2 over the N' = 8 banded tokens.
const VideoLayout kSmall{1, 3, 2, 2};

}  // namespace

TEST_CASE("bandwidth keeps 1 - s of a square", "[rainfusion]") {
  CHECK(bandwidth_for_sparsity(0.0) == Approx(1.0));
  CHECK(bandwidth_for_sparsity(0.25) == Approx(0.5));
  CHECK(bandwidth_for_sparsity(0.5) == Approx(0.29289321881));
  CHECK(band_half_width(8, 0.5, 2) == 2);
  CHECK(band_half_width(100, 0.99, 16) == 16);
  CHECK(band_half_width(168, 0.0, 16) == 168);
  CHECK_THROWS(bandwidth_for_sparsity(1.5));
}

TEST_CASE("the automatic textural stride keeps about 1 - s of each frame's keys", "[rainfusion][masks]") {
  CHECK(textural_stride_for_sparsity(0.0) == 2);  // never below METHODS.md's default of 2
  CHECK(textural_stride_for_sparsity(0.5) == 2);
  CHECK(textural_stride_for_sparsity(2.0 / 3.0) == 3);
  CHECK(textural_stride_for_sparsity(0.75) == 4);
  CHECK(textural_stride_for_sparsity(0.9) == 10);
  CHECK_THROWS(textural_stride_for_sparsity(1.0));
}

TEST_CASE("hand-worked spatial mask", "[rainfusion]") {
  const at::Tensor expected = from_rows({
      "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111",
      "1 1111 1110 0000", "1 1111 1111 0000", "1 1111 1111 1000", "1 1111 0111 1100",
      "1 1111 0011 1110", "1 1111 0001 1111", "1 1111 0000 1111", "1 1111 0000 0111",
  });
  CHECK(same_tensor(pattern_mask(HeadPattern::kSpatial, kSmall, 0.5, 2, 2, true), expected));
}

TEST_CASE("hand-worked temporal mask", "[rainfusion]") {
  // Token-major index of the banded tokens: frame 1 -> 0, 2, 4, 6; frame 2 -> 1, 3, 5, 7.
  const at::Tensor expected = from_rows({
      "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111", "1 1111 1111 1111",
      "1 1111 1100 1000", "1 1111 1110 1100", "1 1111 0111 0110", "1 1111 0011 0011",
      "1 1111 1100 1100", "1 1111 0110 1110", "1 1111 0011 0111", "1 1111 0001 0011",
  });
  CHECK(same_tensor(pattern_mask(HeadPattern::kTemporal, kSmall, 0.5, 2, 2, true), expected));
}

TEST_CASE("hand-worked textural mask", "[rainfusion]") {
  // Stride 2 keeps (h, w) = (0, 0) and (1, 1) of every 2 x 2 frame, for every query.
  std::vector<std::string> rows(13, "1 1111 1001 1001");
  CHECK(same_tensor(pattern_mask(HeadPattern::kTextural, kSmall, 0.5, 2, 2, true), from_rows(rows)));
  // Without the sink the first frame is reduced like the others.
  std::vector<std::string> no_sink(13, "1 1001 1001 1001");
  CHECK(same_tensor(pattern_mask(HeadPattern::kTextural, kSmall, 0.5, 2, 2, false), from_rows(no_sink)));
}

TEST_CASE("frame-major to token-major permutation", "[rainfusion]") {
  const at::Tensor perm = frame_to_token_major(kSmall);
  CHECK(same_tensor(perm, at::tensor(std::vector<std::int64_t>{0, 1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}, at::kLong)));

  const VideoLayout layout{5, 3, 4, 3};
  const at::Tensor x = at::randn({2, 3, layout.total_tokens(), 4});
  const at::Tensor y = to_token_major(x, layout);
  CHECK(same_tensor(to_frame_major(y, layout), x));
  CHECK(same_tensor(y.narrow(2, 0, 5), x.narrow(2, 0, 5)));
  // Video token (t, p) = (2, 7) sits at t * P + p in frame-major order and p * T + t in token-major.
  CHECK(same_tensor(y.select(2, 5 + 7 * 3 + 2), x.select(2, 5 + 2 * 12 + 7)));
}

TEST_CASE("temporal mask is the spatial band conjugated by the permutation", "[rainfusion]") {
  const VideoLayout layout{6, 4, 3, 5};
  const at::Tensor inverse = token_to_frame_major(layout);
  for (double s : {0.3, 0.5, 0.8}) {
    const at::Tensor spatial = pattern_mask(HeadPattern::kSpatial, layout, s, 4, 2, false);
    const at::Tensor temporal = pattern_mask(HeadPattern::kTemporal, layout, s, 4, 2, false);
    CHECK(same_tensor(temporal, spatial.index_select(0, inverse).index_select(1, inverse)));
    CHECK(!same_tensor(temporal, spatial));
  }
}

TEST_CASE("realised density and block view on odd shapes", "[rainfusion]") {
  // S = 226 + 5 * 6 * 7 = 436, not a multiple of the block; N' = 4 * 42 = 168 after the sink.
  const VideoLayout layout{226, 5, 6, 7};
  const int block = 16;
  const std::int64_t l = layout.text_tokens;
  const std::int64_t p_count = layout.frame_tokens();
  const std::int64_t banded = (layout.frames - 1) * p_count;
  const std::int64_t first = l + p_count;
  for (double s : {0.3, 0.5, 0.7}) {
    for (auto pattern : {HeadPattern::kSpatial, HeadPattern::kTemporal}) {
      const at::Tensor mask = pattern_mask(pattern, layout, s, block, 2, true);
      REQUIRE(mask.sizes() == at::IntArrayRef{436, 436});
      CHECK(mask.narrow(0, 0, first).all().item<bool>());
      CHECK(mask.narrow(1, 0, first).all().item<bool>());
      const double density = mask_density(mask.narrow(0, first, banded).narrow(1, first, banded));
      // w is bN' rounded down to a block: at most one block row off on each side of the diagonal.
      CHECK(std::abs(density - (1.0 - s)) <= 2.0 * block / static_cast<double>(banded));
      // Exact count of |i - j| <= w pairs on N' tokens.
      const std::int64_t w = band_half_width(banded, s, block);
      std::int64_t pairs = banded;
      for (std::int64_t d = 1; d <= w && d < banded; ++d) pairs += 2 * (banded - d);
      CHECK(density == Approx(static_cast<double>(pairs) / static_cast<double>(banded * banded)));
    }
  }
  for (int stride : {2, 3, 4}) {
    const at::Tensor mask = pattern_mask(HeadPattern::kTextural, layout, 0.5, block, stride, true);
    std::int64_t kept = 0;
    for (int h = 0; h < layout.height; ++h) {
      for (int w = 0; w < layout.width; ++w) kept += ((h - w) % stride + stride) % stride == 0;
    }
    const double density = mask_density(mask.narrow(0, first, banded).narrow(1, first, banded));
    CHECK(density == Approx(static_cast<double>(kept) / static_cast<double>(p_count)));
    CHECK(std::abs(density - 1.0 / stride) <= 1.0 / layout.width);
  }
  for (auto pattern : {HeadPattern::kSpatial, HeadPattern::kTemporal, HeadPattern::kTextural}) {
    const at::Tensor mask = pattern_mask(pattern, layout, 0.5, block, 3, true);
    const BlockMask bm = to_block_mask(mask, block);
    const std::int64_t blocks = (436 + block - 1) / block;
    REQUIRE(bm.kv_num_blocks.sizes() == at::IntArrayRef{blocks});
    REQUIRE(bm.kv_indices.sizes() == at::IntArrayRef{blocks, blocks});
    CHECK(bm.kv_indices.scalar_type() == at::kInt);
    const auto num = bm.kv_num_blocks.accessor<int, 1>();
    const auto idx = bm.kv_indices.accessor<int, 2>();
    at::Tensor covered = at::zeros({blocks * block, blocks * block}, at::kBool);
    bool every_kept_block_has_true = true;
    bool kept_ascending = true;
    for (std::int64_t i = 0; i < blocks; ++i) {
      for (int n = 0; n < num[i]; ++n) {
        const std::int64_t j = idx[i][n];
        if (n > 0 && idx[i][n - 1] >= j) kept_ascending = false;
        covered.narrow(0, i * block, block).narrow(1, j * block, block).fill_(true);
        const std::int64_t rows = std::min<std::int64_t>(block, 436 - i * block);
        const std::int64_t cols = std::min<std::int64_t>(block, 436 - j * block);
        if (!mask.narrow(0, i * block, rows).narrow(1, j * block, cols).any().item<bool>()) every_kept_block_has_true = false;
      }
    }
    CHECK(every_kept_block_has_true);
    CHECK(kept_ascending);
    const at::Tensor inside = covered.narrow(0, 0, 436).narrow(1, 0, 436);
    CHECK(!(mask & ~inside).any().item<bool>());
  }
}

TEST_CASE("pattern_mask_rows gives the chosen rows of every pattern's mask", "[rainfusion][masks]") {
  const VideoLayout layout{5, 4, 3, 5};  // S = 65
  const at::Tensor rows = at::tensor({0, 4, 5, 22, 37, 64, 22}, at::kLong);  // text, sink, video, a repeat
  for (const auto order : {TokenOrder::kTokenMajor, TokenOrder::kTileMajor}) {
    for (const HeadPattern p : {HeadPattern::kSpatial, HeadPattern::kTemporal, HeadPattern::kTextural}) {
      INFO("pattern " << static_cast<int>(p) << ", order " << static_cast<int>(order));
      const at::Tensor full = pattern_mask(p, layout, 0.6, 4, 3, true, order);
      const at::Tensor some = pattern_mask_rows(p, layout, 0.6, 4, 3, true, order, rows);
      REQUIRE(some.sizes() == at::IntArrayRef({7, 65}));
      CHECK(at::equal(some, full.index_select(0, rows)));
    }
  }
  REQUIRE_THROWS_WITH(pattern_mask_rows(HeadPattern::kSpatial, layout, 0.5, 4, 2, true, TokenOrder::kTokenMajor, at::zeros({2, 2}, at::kLong)),
                      Catch::Contains("rows must be a 1-D int64 tensor"));
}

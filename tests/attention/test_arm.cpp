// ARM recovers planted attention patterns: queries and keys are built so that attention is
// spatially local inside a frame (temporal head), confined to the query's own frame (spatial
// head) or uniform (textural head, three-way).
#include "attention/arm.h"
#include "attention/rainfusion_masks.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

using namespace astraea::attention;

namespace {

constexpr int kBatch = 2;
constexpr int kHeads = 4;
constexpr int kDim = 64;
// Logit of a matching pair: beta^2 / sqrt(d) = 10.
const double kBeta = std::sqrt(10.0 * std::sqrt(static_cast<double>(kDim)));

const VideoLayout kLayout{8, 5, 6, 7};

// q = k = beta * e[group(token)] (+ small query noise) for every video token, where e holds one
// random unit vector per group and head; text tokens are random.
std::pair<at::Tensor, at::Tensor> planted(const at::Tensor& group, std::int64_t groups) {
  const std::int64_t s = kLayout.total_tokens();
  const std::int64_t l = kLayout.text_tokens;
  at::Tensor q = at::randn({kBatch, kHeads, s, kDim});
  at::Tensor k = at::randn({kBatch, kHeads, s, kDim});
  at::Tensor e = at::randn({kBatch, kHeads, groups, kDim});
  e = e / e.norm(2, -1, true);
  const at::Tensor video = kBeta * e.index_select(2, group);
  q.narrow(2, l, video.size(2)).copy_(video + 0.05 * at::randn_like(video));
  k.narrow(2, l, video.size(2)).copy_(video);
  return {q, k};
}

double share(const at::Tensor& patterns, HeadPattern expected) {
  return (patterns == static_cast<std::int64_t>(expected)).to(at::kDouble).mean().item<double>();
}

at::Tensor video_positions() { return at::arange(kLayout.video_tokens(), at::kLong) % kLayout.frame_tokens(); }
at::Tensor video_frames() { return at::arange(kLayout.video_tokens(), at::kLong).div(kLayout.frame_tokens(), "floor"); }

}  // namespace

TEST_CASE("samples: one frame after the sink, and every (T-1)-th video token", "[arm]") {
  const at::Tensor local = arm_local_sample(kLayout, true);
  CHECK(local.size(0) == 42);
  CHECK(local[0].item<std::int64_t>() == 8 + 42);
  const at::Tensor global = arm_global_sample(kLayout, true);
  CHECK(global.size(0) == 42);
  CHECK(global[1].item<std::int64_t>() - global[0].item<std::int64_t>() == 4);
  CHECK(global[-1].item<std::int64_t>() < kLayout.total_tokens());
  const VideoLayout single{3, 1, 2, 3};
  CHECK(arm_local_sample(single, true).size(0) == 6);
  CHECK(arm_global_sample(single, true).size(0) == 6);
}

TEST_CASE("ARM recognises spatially local attention as temporal", "[arm]") {
  at::manual_seed(1);
  const auto [q, k] = planted(video_positions(), kLayout.frame_tokens());
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kTemporal) >= 0.95);
  CHECK(r.temporal_recall.min().item<double>() >= 0.9);
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kTemporal) >= 0.95);
}

TEST_CASE("ARM recognises attention on the query's own frame as spatial", "[arm]") {
  at::manual_seed(2);
  const auto [q, k] = planted(video_frames(), kLayout.frames);
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kSpatial) >= 0.95);
  CHECK(r.temporal_recall.max().item<double>() < 0.6);
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kSpatial) >= 0.95);
}

TEST_CASE("ARM sends uniform attention to the textural pattern", "[arm]") {
  at::manual_seed(3);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = 0.01 * at::randn({kBatch, kHeads, s, kDim});
  const at::Tensor k = at::randn({kBatch, kHeads, s, kDim});
  const ArmResult r = recognise_patterns(q, k, kLayout, {});
  CHECK(share(r.patterns, HeadPattern::kTextural) >= 0.95);
  // Uniform attention: recall is the band's density on 42 samples with w = floor(0.293 * 42) = 12.
  CHECK(r.temporal_recall.mean().item<double>() == Approx(894.0 / 1764.0).margin(0.01));
  ArmOptions two_way;
  two_way.three_way = false;
  CHECK(share(recognise_patterns(q, k, kLayout, two_way).patterns, HeadPattern::kTextural) == 0.0);
}

TEST_CASE("ARM's choice follows its rule on its own recalls, head by head", "[arm]") {
  at::manual_seed(6);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({kBatch, kHeads, s, kDim}), k = at::randn({kBatch, kHeads, s, kDim});
  // The median recall sends some heads each way; 0 sends every head to temporal, 2 none.
  const double median = recognise_patterns(q, k, kLayout, {}).temporal_recall.median().item<double>();
  for (const double alpha : {0.0, 0.9, 2.0, median}) {
    ArmOptions three_way;
    three_way.alpha = alpha;
    ArmOptions two_way = three_way;
    two_way.three_way = false;
    const ArmResult r = recognise_patterns(q, k, kLayout, three_way), t = recognise_patterns(q, k, kLayout, two_way);
    const auto a = static_cast<float>(alpha);
    for (std::int64_t b = 0; b < kBatch; ++b) {
      for (std::int64_t h = 0; h < kHeads; ++h) {
        const float rt = r.temporal_recall[b][h].item<float>(), rs = r.spatial_recall[b][h].item<float>();
        const HeadPattern three = rt >= a ? HeadPattern::kTemporal : (rs >= a ? HeadPattern::kSpatial : HeadPattern::kTextural);
        const HeadPattern two = rt > 0.95f || rt > rs ? HeadPattern::kTemporal : HeadPattern::kSpatial;
        CHECK(r.patterns[b][h].item<std::int64_t>() == static_cast<std::int64_t>(three));
        CHECK(t.patterns[b][h].item<std::int64_t>() == static_cast<std::int64_t>(two));
      }
    }
    if (alpha == 0.0) CHECK(share(r.patterns, HeadPattern::kTemporal) == 1.0);
    if (alpha == 2.0) CHECK(share(r.patterns, HeadPattern::kTextural) == 1.0);
  }
}

TEST_CASE("ARM handles a single frame and rejects bad shapes", "[arm]") {
  const VideoLayout single{3, 1, 2, 3};
  const at::Tensor q = at::randn({1, 2, single.total_tokens(), 8});
  const ArmResult r = recognise_patterns(q, q, single, {});
  CHECK(r.patterns.sizes() == at::IntArrayRef{1, 2});
  CHECK_THROWS(recognise_patterns(q.narrow(2, 0, 5), q.narrow(2, 0, 5), single, {}));
}

namespace {

// The three masks' rows at `rows`, as mask recall takes them.
at::Tensor mask_rows_of(const at::Tensor& rows, double sparsity, int block) {
  std::vector<at::Tensor> masks;
  for (const HeadPattern p : {HeadPattern::kSpatial, HeadPattern::kTemporal, HeadPattern::kTextural}) {
    masks.push_back(pattern_mask(p, kLayout, sparsity, block, textural_stride_for_sparsity(sparsity), true).index_select(0, rows));
  }
  return at::stack(masks);
}

}  // namespace

TEST_CASE("mask recall equals the kept softmax mass, computed by hand, and picks the largest", "[arm][mask_recall]") {
  at::manual_seed(4);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({kBatch, kHeads, s, kDim}), k = at::randn({kBatch, kHeads, s, kDim});
  const at::Tensor rows = mask_recall_rows(kLayout, true, 10);
  REQUIRE(rows.size(0) == 10);
  CHECK(at::equal(rows, mask_recall_rows(kLayout, true, 10)));  // the same rows every call
  CHECK(rows.min().item<std::int64_t>() >= kLayout.text_tokens + kLayout.frame_tokens());  // video after the sink
  CHECK((rows.slice(0, 1) > rows.slice(0, 0, -1)).all().item<bool>());
  CHECK(mask_recall_rows(kLayout, true).size(0) == 4 * kLayout.frame_tokens());  // fewer than 256: every one
  const at::Tensor mask_rows = mask_rows_of(rows, 0.5, 4);
  const ArmResult r = recognise_patterns_by_mask_recall(q, k, rows, mask_rows);
  const at::Tensor qd = q.to(at::kDouble), kd = k.to(at::kDouble);
  for (std::int64_t b = 0; b < kBatch; ++b) {
    for (std::int64_t h = 0; h < kHeads; ++h) {
      double kept[3] = {0, 0, 0};
      for (std::int64_t i = 0; i < rows.size(0); ++i) {
        const std::int64_t row = rows[i].item<std::int64_t>();
        std::vector<double> w(static_cast<std::size_t>(s));
        double top = -1e300, total = 0;
        for (std::int64_t j = 0; j < s; ++j) {
          w[static_cast<std::size_t>(j)] = (qd[b][h][row] * kd[b][h][j]).sum().item<double>() / std::sqrt(double(kDim));
          top = std::max(top, w[static_cast<std::size_t>(j)]);
        }
        for (auto& x : w) total += (x = std::exp(x - top));
        for (int p = 0; p < 3; ++p) {
          for (std::int64_t j = 0; j < s; ++j) kept[p] += mask_rows[p][i][j].item<bool>() ? w[static_cast<std::size_t>(j)] / total : 0.0;
        }
      }
      const double n = static_cast<double>(rows.size(0));
      CHECK(r.spatial_recall[b][h].item<double>() == Approx(kept[0] / n).margin(1e-5));
      CHECK(r.temporal_recall[b][h].item<double>() == Approx(kept[1] / n).margin(1e-5));
      CHECK(r.textural_recall[b][h].item<double>() == Approx(kept[2] / n).margin(1e-5));
      const int best = kept[1] >= kept[0] && kept[1] >= kept[2] ? 1 : (kept[0] >= kept[2] ? 0 : 2);
      CHECK(r.patterns[b][h].item<std::int64_t>() == best);
    }
  }
}

TEST_CASE("mask recall recognises planted temporal and spatial heads", "[arm][mask_recall]") {
  const at::Tensor rows = mask_recall_rows(kLayout, true);
  const at::Tensor mask_rows = mask_rows_of(rows, 0.5, 4);
  at::manual_seed(5);
  const auto [qt, kt] = planted(video_positions(), kLayout.frame_tokens());
  CHECK(share(recognise_patterns_by_mask_recall(qt, kt, rows, mask_rows).patterns, HeadPattern::kTemporal) >= 0.95);
  const auto [qs, ks] = planted(video_frames(), kLayout.frames);
  CHECK(share(recognise_patterns_by_mask_recall(qs, ks, rows, mask_rows).patterns, HeadPattern::kSpatial) >= 0.95);
  REQUIRE_THROWS_WITH(recognise_patterns_by_mask_recall(qs, ks, rows, mask_rows.narrow(1, 0, 3)), Catch::Contains("mask_rows must be"));
}

// RainFusionAccelerator: dense warm-up, the density-1 limit equals dense attention, sparse steps
// equal a per-head masked softmax written out by hand, the statistics, and ARM against a random
// per-head choice at equal density on planted attention.
#include "attention/rainfusion_accelerator.h"
#include "attention/random_head_patterns.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <array>
#include <cmath>
#include <utility>

using namespace astraea::attention;

namespace {

const VideoLayout kLayout{10, 3, 4, 5};

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// softmax(q k^T / sqrt(d) restricted to mask) v for one head, in double precision.
at::Tensor masked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const at::Tensor logits = at::matmul(q.to(at::kDouble), k.to(at::kDouble).t()) / std::sqrt(static_cast<double>(q.size(1)));
  const at::Tensor probs = at::softmax(logits.masked_fill(~mask, -INFINITY), -1);
  return at::matmul(probs, v.to(at::kDouble)).to(v.scalar_type());
}

}  // namespace

TEST_CASE("rainfusion with sparsity 0 and stride 1 is dense attention", "[rainfusion]") {
  at::manual_seed(4);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({2, 3, s, 16});
  const at::Tensor k = at::randn({2, 3, s, 16});
  const at::Tensor v = at::randn({2, 3, s, 16});
  RainFusionSettings settings;
  settings.sparsity = 0.0;
  settings.textural_stride = 1;
  settings.block_size = 16;
  RainFusionAccelerator acc(settings);
  CHECK(acc.name() == "rainfusion");
  acc.begin_step(5, 10);
  REQUIRE(!acc.dense_step());
  const at::Tensor out = acc.attention(0, q, k, v, kLayout, acc.select_rows(0, at::Tensor()));
  CHECK(max_abs_diff(out, at::scaled_dot_product_attention(q, k, v)) <= 1e-6);
  const auto& counts = acc.stats().heads_per_pattern_per_step.back();
  CHECK(counts[0] + counts[1] + counts[2] == 6);
  CHECK(acc.stats().arm_seconds > 0.0);
}

TEST_CASE("rainfusion warm-up steps are dense", "[rainfusion]") {
  at::manual_seed(5);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({1, 4, s, 8});
  const at::Tensor k = at::randn({1, 4, s, 8});
  const at::Tensor v = at::randn({1, 4, s, 8});
  RainFusionSettings settings;
  settings.warmup = 0.15;  // ceil(1.5) = 2 dense steps of 10
  settings.block_size = 4;
  RainFusionAccelerator acc(settings);
  const at::Tensor dense = at::scaled_dot_product_attention(q, k, v);
  for (int step = 0; step < 3; ++step) {
    acc.begin_step(step, 10);
    const at::Tensor out = acc.attention(0, q, k, v, kLayout, {});
    CHECK(acc.dense_step() == (step < 2));
    if (step < 2) {
      CHECK(at::equal(out, dense));
    } else {
      CHECK(max_abs_diff(out, dense) > 1e-3);
    }
  }
  const auto& per_step = acc.stats().heads_per_pattern_per_step;
  REQUIRE(per_step.size() == 3);
  CHECK(per_step[0][0] + per_step[0][1] + per_step[0][2] == 0);
  CHECK(per_step[2][0] + per_step[2][1] + per_step[2][2] == 4);
  CHECK(acc.stats().attention_seconds > 0.0);
}

TEST_CASE("rainfusion sparse step equals per-head masked attention", "[rainfusion]") {
  at::manual_seed(6);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({2, 4, s, 8});
  const at::Tensor k = at::randn({2, 4, s, 8});
  const at::Tensor v = at::randn({2, 4, s, 8});
  // alpha 0 sends every head to temporal, alpha above 1 to textural; two-way mixes spatial in.
  std::array<std::int64_t, 3> seen{0, 0, 0};
  for (const auto& [alpha, three_way] : {std::pair{0.0, true}, std::pair{1.5, true}, std::pair{0.9, false}}) {
    RainFusionSettings settings;
    settings.block_size = 4;
    settings.alpha = alpha;
    settings.decision = three_way ? PatternDecision::kThreeWay : PatternDecision::kTwoWay;
    RainFusionAccelerator acc(settings);
    acc.begin_step(9, 10);
    const at::Tensor out = acc.attention(3, q, k, v, kLayout, {});
    const ArmOptions options{settings.sparsity, settings.alpha, three_way, settings.first_frame_sink};
    const at::Tensor patterns = recognise_patterns(q, k, kLayout, options).patterns;
    for (std::int64_t b = 0; b < 2; ++b) {
      for (std::int64_t h = 0; h < 4; ++h) {
        const auto code = patterns[b][h].item<std::int64_t>();
        ++seen[code];
        const at::Tensor mask = pattern_mask(static_cast<HeadPattern>(code), kLayout, settings.sparsity, settings.block_size,
                                             settings.textural_stride, true);
        CHECK(max_abs_diff(out[b][h], masked_attention(q[b][h], k[b][h], v[b][h], mask)) <= 1e-5);
      }
    }
    const auto& counts = acc.stats().heads_per_pattern_per_step.back();
    for (int p = 0; p < kNumHeadPatterns; ++p) CHECK(counts[p] == (patterns == p).sum().item<std::int64_t>());
  }
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
}

TEST_CASE("rainfusion refuses row selections and bad settings", "[rainfusion]") {
  RainFusionAccelerator acc;
  acc.begin_step(0, 10);
  const std::int64_t s = kLayout.total_tokens();
  const at::Tensor q = at::randn({1, 1, s, 4});
  RowSelection rows;
  rows.indices = at::zeros({1, 2}, at::kLong);
  CHECK_THROWS(acc.attention(0, q, q, q, kLayout, rows));
  CHECK_THROWS(acc.finish_block(0, rows, q));
  CHECK(at::equal(acc.finish_block(0, {}, q), q));
  RainFusionSettings bad;
  bad.sparsity = 2.0;
  CHECK_THROWS(RainFusionAccelerator{bad});
}

namespace {

// Queries and keys with planted structure, one structure per head: heads [0, heads/2) attend to
// the same spatial position in every frame (temporal), the others to their own frame (spatial).
// q = k = beta * e[group] (+ query noise) on the video tokens, e one random unit vector per group;
// the logit of a matching pair is beta^2 / sqrt(d) = 10. Text tokens are random.
std::pair<at::Tensor, at::Tensor> planted_heads(const VideoLayout& layout, std::int64_t batch, std::int64_t heads, std::int64_t dim) {
  const double beta = std::sqrt(10.0 * std::sqrt(static_cast<double>(dim)));
  const std::int64_t n = layout.video_tokens();
  const at::Tensor token = at::arange(n, at::kLong);
  const at::Tensor by_position = token % layout.frame_tokens();
  const at::Tensor by_frame = token.div(layout.frame_tokens(), "floor");
  at::Tensor q = at::randn({batch, heads, layout.total_tokens(), dim});
  at::Tensor k = at::randn({batch, heads, layout.total_tokens(), dim});
  for (std::int64_t h = 0; h < heads; ++h) {
    const bool temporal = h < heads / 2;
    const at::Tensor group = temporal ? by_position : by_frame;
    at::Tensor e = at::randn({batch, temporal ? layout.frame_tokens() : layout.frames, dim});
    e = e / e.norm(2, -1, true);
    const at::Tensor video = beta * e.index_select(1, group);  // [B, N, d]
    q.select(1, h).narrow(1, layout.text_tokens, n).copy_(video + 0.05 * at::randn_like(video));
    k.select(1, h).narrow(1, layout.text_tokens, n).copy_(video);
  }
  return {q, k};
}

}  // namespace

TEST_CASE("ARM's per-head choice beats a random per-head choice at equal density", "[rainfusion][random]") {
  at::manual_seed(12);
  const VideoLayout layout{8, 5, 6, 7};
  constexpr std::int64_t kBatch = 2, kHeads = 4, kDim = 64;
  constexpr int kRandomDraws = 12;  // random choices over this many layers (independent streams)
  const auto [q, k] = planted_heads(layout, kBatch, kHeads, kDim);
  const at::Tensor v = at::randn({kBatch, kHeads, layout.total_tokens(), kDim});
  RainFusionSettings settings;
  settings.sparsity = 0.5;
  settings.textural_stride = 2;
  settings.block_size = 1;  // element-exact bands: no block rounding
  settings.warmup = 0.0;

  // The patterns differ only on the video rows after the sink (text and sink rows are dense under
  // the bands); compare there. Density of each pattern on those rows: band w = floor(0.293 * 168)
  // = 49 keeps 14182 of 168^2 banded entries plus the 50 dense columns, the checkerboard keeps 84
  // of 168 banded keys plus the same 50: 22582 / (168 * 218) = 0.6166 against 134 / 218 = 0.6147.
  const std::int64_t first_row = layout.text_tokens + layout.frame_tokens();
  std::array<double, kNumHeadPatterns> density{};
  for (int p = 0; p < kNumHeadPatterns; ++p) {
    const at::Tensor mask = pattern_mask(static_cast<HeadPattern>(p), layout, settings.sparsity, settings.block_size,
                                         settings.textural_stride, true);
    density[p] = mask_density(mask.slice(0, first_row));
  }
  INFO("densities " << density[0] << ", " << density[1] << ", " << density[2]);
  CHECK(density[0] == Approx(22582.0 / (168 * 218)));
  CHECK(density[2] == Approx(134.0 / 218));
  CHECK(std::abs(density[0] - density[2]) <= 0.005);
  CHECK(std::abs(density[1] - density[2]) <= 0.005);

  const at::Tensor dense = at::scaled_dot_product_attention(q, k, v).slice(2, first_row);
  const auto error = [&](const at::Tensor& out) {
    return ((out.slice(2, first_row) - dense).norm() / dense.norm()).item<double>();
  };
  RainFusionAccelerator arm(settings);
  arm.begin_step(0, 1);
  const double arm_error = error(arm.attention(0, q, k, v, layout, {}));
  const auto& arm_counts = arm.stats().heads_per_pattern_per_step.back();
  // The planted structure is recognised: half the heads temporal, half spatial.
  CHECK(arm_counts[static_cast<int>(HeadPattern::kTemporal)] == kBatch * kHeads / 2);
  CHECK(arm_counts[static_cast<int>(HeadPattern::kSpatial)] == kBatch * kHeads / 2);

  settings.decision = PatternDecision::kRandom;
  settings.random_seed = 3;
  RainFusionAccelerator random(settings);
  random.begin_step(0, 1);
  double random_error = 0.0;
  for (int layer = 0; layer < kRandomDraws; ++layer) random_error += error(random.attention(layer, q, k, v, layout, {})) / kRandomDraws;
  INFO("relative error on the video rows: ARM " << arm_error << ", random (mean of " << kRandomDraws << ") " << random_error);
  CHECK(arm_error < 0.5 * random_error);

  // Determinism: a second accelerator with the same seed reproduces the outputs bit for bit.
  RainFusionAccelerator again(settings);
  again.begin_step(0, 1);
  RainFusionAccelerator first(settings);
  first.begin_step(0, 1);
  for (int layer = 0; layer < 3; ++layer) CHECK(at::equal(first.attention(layer, q, k, v, layout, {}), again.attention(layer, q, k, v, layout, {})));
  // The random accelerator follows random_head_patterns exactly.
  const at::Tensor expected = random_head_patterns(3, 0, 1, kBatch, kHeads);
  const at::Tensor out = first.attention(1, q, k, v, layout, {});
  for (std::int64_t b = 0; b < kBatch; ++b) {
    for (std::int64_t h = 0; h < kHeads; ++h) {
      const at::Tensor mask = pattern_mask(static_cast<HeadPattern>(expected[b][h].item<std::int64_t>()), layout, settings.sparsity,
                                           settings.block_size, settings.textural_stride, true);
      CHECK(max_abs_diff(out[b][h], masked_attention(q[b][h], k[b][h], v[b][h], mask)) <= 1e-5);
    }
  }
}

TEST_CASE("rainfusion with decide_every r reuses a layer's patterns for r steps", "[rainfusion][reuse]") {
  at::manual_seed(21);
  const VideoLayout layout{8, 5, 6, 7};
  constexpr std::int64_t kBatch = 1, kHeads = 4, kDim = 64;
  // Two inputs whose planted structure is swapped head for head: ARM reads temporal, temporal,
  // spatial, spatial on the first and the reverse on the second.
  const auto [q, k] = planted_heads(layout, kBatch, kHeads, kDim);
  const at::Tensor swapped = at::tensor({3, 2, 1, 0}, at::kLong);
  const at::Tensor q2 = q.index_select(1, swapped), k2 = k.index_select(1, swapped);
  const at::Tensor v = at::randn({kBatch, kHeads, layout.total_tokens(), kDim});
  RainFusionSettings settings;
  settings.textural_stride = 2;
  settings.block_size = 1;
  settings.warmup = 0.0;
  const ArmOptions options{settings.sparsity, settings.alpha, true, true};
  const at::Tensor first = recognise_patterns(q, k, layout, options).patterns;
  const at::Tensor second = recognise_patterns(q2, k2, layout, options).patterns;
  REQUIRE(at::equal(first, at::tensor({1, 1, 0, 0}, at::kLong).view({1, 4})));
  REQUIRE(at::equal(second, at::tensor({0, 0, 1, 1}, at::kLong).view({1, 4})));

  const auto check_heads = [&](const at::Tensor& out, const at::Tensor& qs, const at::Tensor& ks, const at::Tensor& patterns) {
    for (std::int64_t h = 0; h < kHeads; ++h) {
      const at::Tensor mask = pattern_mask(static_cast<HeadPattern>(patterns[0][h].item<std::int64_t>()), layout, settings.sparsity,
                                           settings.block_size, settings.textural_stride, true);
      CHECK(max_abs_diff(out[0][h], masked_attention(qs[0][h], ks[0][h], v[0][h], mask)) <= 1e-5);
    }
  };
  settings.decide_every = 2;
  RainFusionAccelerator acc(settings);
  // Steps 0 and 2 decide; steps 1 and 3 keep the decision of the step before, whatever ARM would
  // read in their inputs. Two layers decide and reuse independently.
  const std::array<const at::Tensor*, 4> expected{&first, &first, &second, &second};
  for (int step = 0; step < 4; ++step) {
    acc.begin_step(step, 4);
    INFO("step " << step << (step % 2 == 1 ? " reuses" : " decides"));
    const at::Tensor& qs = step == 0 ? q : q2;
    const at::Tensor& ks = step == 0 ? k : k2;
    for (int layer = 0; layer < 2; ++layer) check_heads(acc.attention(layer, qs, ks, v, layout, {}), qs, ks, *expected[step]);
    const auto& counts = acc.stats().heads_per_pattern_per_step.back();
    CHECK(counts[static_cast<int>(HeadPattern::kTemporal)] == 2 * 2);
  }
  CHECK(acc.stats().pattern_decisions == 4);
  CHECK(acc.stats().pattern_reuses == 4);
  // Step 2's decisions are compared with step 0's: every head of both layers changed.
  CHECK(acc.stats().heads_compared == 2 * kHeads);
  CHECK(acc.stats().heads_changed == 2 * kHeads);
  // A new generation (step 0) decides afresh, though its last decision is younger than r steps.
  acc.begin_step(0, 4);
  check_heads(acc.attention(0, q2, k2, v, layout, {}), q2, k2, second);
  acc.begin_step(1, 4);
  check_heads(acc.attention(0, q, k, v, layout, {}), q, k, second);
  CHECK(acc.stats().pattern_decisions == 5);
  CHECK(acc.stats().pattern_reuses == 5);
  CHECK(acc.stats().heads_compared == 2 * kHeads);  // a new generation's first decision has nothing to compare with

  // decide_every 1 (the default) decides at every step: step 1 reads the swapped input.
  settings.decide_every = 1;
  RainFusionAccelerator every(settings);
  every.begin_step(0, 4);
  check_heads(every.attention(0, q, k, v, layout, {}), q, k, first);
  every.begin_step(1, 4);
  check_heads(every.attention(0, q2, k2, v, layout, {}), q2, k2, second);
  CHECK(every.stats().pattern_reuses == 0);
  CHECK(every.stats().heads_compared == kHeads);
  CHECK(every.stats().heads_changed == kHeads);
  every.begin_step(2, 4);
  every.attention(0, q2, k2, v, layout, {});
  CHECK(every.stats().heads_compared == 2 * kHeads);
  CHECK(every.stats().heads_changed == kHeads);  // the same input, the same decision

  settings.decide_every = 0;
  REQUIRE_THROWS_WITH(RainFusionAccelerator{settings}, Catch::Contains("interval 0 must be at least 1 step"));
}

// RainFusionAccelerator: dense warm-up, the density-1 limit equals dense attention, sparse steps
// equal a per-head masked softmax written out by hand, and the statistics.
#include "attention/rainfusion_accelerator.h"
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
    settings.three_way = three_way;
    RainFusionAccelerator acc(settings);
    acc.begin_step(9, 10);
    const at::Tensor out = acc.attention(3, q, k, v, kLayout, {});
    const ArmOptions options{settings.sparsity, settings.alpha, settings.three_way, settings.first_frame_sink};
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

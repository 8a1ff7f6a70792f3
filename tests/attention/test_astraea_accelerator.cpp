// AstraeaAccelerator: a full budget against the dense reference through a whole generation,
// exact per-block row counts, a zero budget that returns every block's cache bit for bit, the
// staleness bound, bit-exact cache merging, planted-token selection (global and balanced over
// slices), and the chunked LSE
// attention against at::scaled_dot_product_attention.
#include "attention/astraea_accelerator.h"
#include "attention/dense_accelerator.h"
#include "model/cogvideox_transformer.h"
#include "model/random_init.h"
#include "pipeline/generation.h"
#include "attention/tiny_transformer.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

using namespace astraea;
using attention::AstraeaAccelerator;
using attention::AstraeaSettings;
using attention::RowSelection;

namespace {

constexpr int kLayers = testing::kTinyLayers;
constexpr std::int64_t kVideoTokens = 32;  // 2 latent frames of 4 x 4 patches

model::CogVideoXTransformer3D tiny_transformer() { return testing::tiny_transformer(5, 11); }

pipeline::GenerationRequest tiny_request(int steps) {
  pipeline::GenerationRequest r;
  at::manual_seed(5);
  r.prompt_embeds = at::randn({1, 8, 8});
  r.negative_prompt_embeds = at::randn({1, 8, 8});
  r.latent_frames = 2;
  r.latent_height = 8;
  r.latent_width = 8;
  r.seed = 7;
  r.guidance_scale = 6.0;
  r.sampler.name = "ddim";
  r.sampler.steps = steps;
  return r;
}

AstraeaSettings settings(std::vector<double> budget, int dense_steps = 1) {
  AstraeaSettings s;
  s.budget = std::move(budget);
  s.dense_steps = dense_steps;
  return s;
}

// Rows of x [B, N, D] not in idx [B, k], and the rows in idx.
at::Tensor unselected_mask(const at::Tensor& idx, std::int64_t tokens) {
  return at::ones({idx.size(0), tokens}, at::kBool).scatter(1, idx, false);
}
at::Tensor gather_rows(const at::Tensor& x, const at::Tensor& idx) {
  return at::gather(x, 1, idx.unsqueeze(-1).expand({idx.size(0), idx.size(1), x.size(2)}));
}

}  // namespace

TEST_CASE("astraea at a 100% budget reproduces the dense generation", "[attention][astraea]") {
  auto transformer = tiny_transformer();
  const auto request = tiny_request(4);
  attention::DenseAccelerator dense;
  AstraeaAccelerator astraea(settings({1.0}));
  const auto expected = pipeline::generate(transformer, request, dense).latents;
  const auto actual = pipeline::generate(transformer, request, astraea).latents;
  const double error = (actual - expected).abs().max().item<double>() / expected.abs().max().item<double>();
  INFO("relative error " << error);
  CHECK(error <= 1e-6);
  for (int layer = 0; layer < kLayers; ++layer) CHECK(astraea.last_selection(layer).all());
}

TEST_CASE("astraea recomputes exactly k rows per block and batch element", "[attention][astraea]") {
  auto transformer = tiny_transformer();
  const std::vector<double> budget{1.0, 0.25, 0.5, 0.0};
  AstraeaAccelerator astraea(settings(budget));
  int checked = 0;
  pipeline::generate(transformer, tiny_request(4), astraea, [&](int step, std::int64_t, const at::Tensor&) {
    for (int layer = 0; layer < kLayers; ++layer) {
      INFO("step " << step << " layer " << layer);
      const auto& sel = astraea.last_selection(layer);
      // The rule other processes' shards are counted by: 13 tokens at 0.25, 0.5 and 0 give
      // round(3.25) = 3, round(6.5) = 7 and 0 rows; the first step computes every row.
      const std::int64_t of_13[] = {13, 3, 7, 0};
      CHECK(astraea.rows_selected(layer, 13) == of_13[step]);
      if (step == 0) {
        CHECK(sel.all());
        CHECK(astraea.rows_selected(layer, kVideoTokens) == kVideoTokens);
        continue;
      }
      const auto k = std::max<std::int64_t>(AstraeaAccelerator::kMinRows, std::llround(budget[step] * kVideoTokens));
      CHECK(astraea.rows_selected(layer, kVideoTokens) == k);
      REQUIRE(!sel.all());
      REQUIRE(sel.indices.sizes() == at::IntArrayRef({2, k}));
      const auto idx = sel.indices;
      ++checked;
      if (k == 0) continue;
      CHECK(idx.min().item<std::int64_t>() >= 0);
      CHECK(idx.max().item<std::int64_t>() < kVideoTokens);
      if (k > 1) CHECK((idx.slice(1, 1) > idx.slice(1, 0, -1)).all().item<bool>());
      CHECK(at::equal(astraea.n_skip(layer).gather(1, idx), at::zeros_like(idx).to(at::kInt)));
    }
  });
  CHECK(checked == 3 * kLayers);
}

namespace {

// Forwards to an AstraeaAccelerator and, at the steps whose theta is 0, checks what the block
// hands over and gets back: no selected video row, attention over the text rows only, and a
// merged video output equal bit for bit to the cache as it was before the block ran.
class ZeroBudgetProbe final : public attention::Accelerator {
 public:
  ZeroBudgetProbe(AstraeaAccelerator& inner, std::int64_t text_tokens) : inner_(inner), text_tokens_(text_tokens) {}
  std::string name() const override { return inner_.name(); }
  void begin_step(int step, int num_steps) override {
    step_ = step;
    inner_.begin_step(step, num_steps);
  }
  RowSelection select_rows(int layer, const at::Tensor& video) override { return inner_.select_rows(layer, video); }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                       const RowSelection& rows) override {
    auto out = inner_.attention(layer, q, k, v, layout, rows);
    if (inner_.theta() == 0.0) {
      INFO("step " << step_ << " layer " << layer);
      CHECK(q.size(2) == text_tokens_);
      CHECK(out.size(2) == text_tokens_);
      CHECK(at::isfinite(out).all().item<bool>());
    }
    return out;
  }
  at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) override {
    if (inner_.theta() != 0.0) return inner_.finish_block(layer, rows, video_out);
    INFO("step " << step_ << " layer " << layer);
    const auto cache_before = inner_.cache(layer).clone();
    REQUIRE(!rows.all());
    CHECK(rows.indices.size(1) == 0);
    CHECK(video_out.size(1) == 0);
    const auto merged = inner_.finish_block(layer, rows, video_out);
    CHECK(merged.sizes() == cache_before.sizes());
    CHECK(at::equal(merged, cache_before));
    ++zero_blocks;
    return merged;
  }

  int zero_blocks = 0;

 private:
  AstraeaAccelerator& inner_;
  std::int64_t text_tokens_;
  int step_ = -1;
};

}  // namespace

TEST_CASE("a zero budget recomputes no video row and returns every block's cache bit for bit", "[attention][astraea]") {
  auto transformer = tiny_transformer();
  const auto request = tiny_request(4);
  AstraeaAccelerator astraea(settings({1.0, 0.0, 0.5, 0.0}));
  ZeroBudgetProbe probe(astraea, request.prompt_embeds.size(1));
  const auto result = pipeline::generate(transformer, request, probe, [&](int step, std::int64_t, const at::Tensor&) {
    if (step == 1 || step == 3) {
      for (int layer = 0; layer < kLayers; ++layer) {
        INFO("step " << step << " layer " << layer);
        const auto& sel = astraea.last_selection(layer);
        REQUIRE(!sel.all());
        CHECK(sel.indices.sizes() == at::IntArrayRef({2, 0}));
        // Every video token was skipped once more: n_skip grew by one everywhere.
        CHECK(astraea.n_skip(layer).min().item<std::int64_t>() >= 1);
      }
    }
  });
  CHECK(probe.zero_blocks == 2 * kLayers);
  CHECK(at::isfinite(result.latents).all().item<bool>());
}

TEST_CASE("the staleness penalty bounds how long a token is skipped", "[attention][astraea]") {
  auto transformer = tiny_transformer();
  AstraeaSettings s = settings({0.1});
  AstraeaAccelerator astraea(s);
  const std::int64_t k = std::llround(s.budget[0] * kVideoTokens);
  // Significance is normalised into [0, 1], so a token skipped m times outranks every fresh token
  // once w_beta e^m > w_alpha + w_beta; after that only staler tokens can go first, k per step.
  int m_star = 0;
  while (s.w_beta * std::exp(m_star) <= s.w_alpha + s.w_beta) ++m_star;
  const std::int64_t bound = m_star + (kVideoTokens + k - 1) / k;
  std::int64_t worst = 0;
  pipeline::generate(transformer, tiny_request(40), astraea, [&](int, std::int64_t, const at::Tensor&) {
    for (int layer = 0; layer < kLayers; ++layer) worst = std::max(worst, astraea.n_skip(layer).max().item<std::int64_t>());
  });
  INFO("k = " << k << ", bound = " << bound);
  CHECK(worst > 0);
  CHECK(worst <= bound);
}

TEST_CASE("cached rows are bit-identical to the block outputs that produced them", "[attention][astraea]") {
  constexpr std::int64_t kBatch = 2, kTokens = 24, kWidth = 6;
  at::manual_seed(3);
  AstraeaAccelerator astraea(settings({1.0, 0.25, 0.25}));
  astraea.begin_step(0, 3);
  const auto all = astraea.select_rows(0, at::randn({kBatch, kTokens, kWidth}));
  REQUIRE(all.all());
  const auto out0 = at::randn({kBatch, kTokens, kWidth});
  const auto merged0 = astraea.finish_block(0, all, out0);
  const auto merged0_copy = merged0.clone();
  CHECK(at::equal(merged0, out0));

  auto previous = merged0;
  auto previous_copy = merged0_copy;
  for (int step = 1; step < 3; ++step) {
    INFO("step " << step);
    astraea.begin_step(step, 3);
    const auto sel = astraea.select_rows(0, at::randn({kBatch, kTokens, kWidth}));
    REQUIRE(sel.indices.sizes() == at::IntArrayRef({kBatch, 6}));
    const auto out = at::randn({kBatch, 6, kWidth});
    const auto merged = astraea.finish_block(0, sel, out);
    CHECK(at::equal(gather_rows(merged, sel.indices), out));
    const auto keep = unselected_mask(sel.indices, kTokens);
    CHECK(at::equal(merged.index({keep}), previous_copy.index({keep})));
    CHECK(at::equal(previous, previous_copy));  // the tensor handed out last step is untouched
    CHECK(at::equal(astraea.cache(0), merged));
    CHECK(at::equal(astraea.n_skip(0).index({keep.logical_not()}), at::zeros({kBatch * 6}, at::kInt)));
    previous = merged;
    previous_copy = merged.clone();
  }
  CHECK(at::equal(merged0, merged0_copy));
}

TEST_CASE("planted high-change tokens are selected first", "[attention][astraea]") {
  constexpr std::int64_t kBatch = 2, kTokens = 40, kWidth = 8, kText = 3, kHeads = 2, kHeadDim = 4;
  at::manual_seed(9);
  AstraeaAccelerator astraea(settings({1.0, 0.125}));
  astraea.begin_step(0, 2);
  const auto video0 = at::randn({kBatch, kTokens, kWidth});
  const auto all = astraea.select_rows(0, video0);
  const attention::VideoLayout layout{kText, 1, 5, 8};
  // Zero queries: every row's scores are 0, so every LSE is ln(S).
  const auto q = at::zeros({kBatch, kHeads, kText + kTokens, kHeadDim});
  const auto kv = at::randn({kBatch, kHeads, kText + kTokens, kHeadDim});
  astraea.attention(0, q, kv, kv, layout, all);
  astraea.finish_block(0, all, video0);
  CHECK(at::allclose(astraea.lse_prev(0), at::full({kBatch, kTokens}, std::log(double(kText + kTokens))), 0, 1e-5));

  const auto planted = at::tensor(std::vector<std::int64_t>{3, 11, 17, 29, 38, 0, 5, 6, 20, 39}).view({kBatch, 5});
  auto video1 = video0 + 1e-3 * at::randn_like(video0);
  video1 = video1.scatter_add(1, planted.unsqueeze(-1).expand({kBatch, 5, kWidth}), at::full({kBatch, 5, kWidth}, 10.0));
  astraea.begin_step(1, 2);
  const auto sel = astraea.select_rows(0, video1);
  REQUIRE(!sel.all());
  CHECK(at::equal(sel.indices, planted));
  CHECK(at::equal(gather_rows(astraea.x_in_last(0), planted), gather_rows(video1, planted)));
  const auto keep = unselected_mask(planted, kTokens);
  CHECK(at::equal(astraea.x_in_last(0).index({keep}), video0.index({keep})));
}

TEST_CASE("the CPU's one-pass float32 scores select what the tensor expression selects", "[attention][astraea]") {
  // Reference: the same steps with the video in float64, which takes the tensor expression (the
  // float32 path takes the fused loop); distances are float32 in both, so the scores agree to
  // rounding and, with random inputs, the selections exactly. Two slices exercise the offsets.
  constexpr std::int64_t kBatch = 2, kTokens = 64, kWidth = 16, kText = 3, kHeads = 2, kHeadDim = 8;
  constexpr int kSteps = 5;
  const attention::VideoLayout layout{kText, 1, 8, 8};
  at::manual_seed(12);
  std::vector<at::Tensor> videos, queries;
  for (int step = 0; step < kSteps; ++step) {
    videos.push_back(at::randn({kBatch, kTokens, kWidth}));
    queries.push_back(at::randn({kBatch, kHeads, kText + kTokens, kHeadDim}));
  }
  const auto kv = at::randn({kBatch, kHeads, kText + kTokens, kHeadDim});
  auto selections = [&](at::ScalarType dtype) {
    auto s = settings({1.0, 0.3, 0.5, 0.3, 0.2});
    s.selection_shards = 2;
    AstraeaAccelerator astraea(s);
    std::vector<at::Tensor> picked;
    for (int step = 0; step < kSteps; ++step) {
      astraea.begin_step(step, kSteps);
      const auto video = videos[static_cast<std::size_t>(step)].to(dtype);
      const auto rows = astraea.select_rows(0, video);
      const auto& all_q = queries[static_cast<std::size_t>(step)];
      // Each batch element's text rows and its own selected rows.
      const auto q = rows.all() ? all_q
                                : at::cat({all_q.slice(2, 0, kText),
                                           all_q.slice(2, kText).gather(2, rows.indices.view({kBatch, 1, -1, 1}).expand({kBatch, kHeads, -1, kHeadDim}))},
                                          2);
      astraea.attention(0, q, kv, kv, layout, rows);
      astraea.finish_block(0, rows, rows.all() ? video : gather_rows(video, rows.indices));
      if (!rows.all()) picked.push_back(rows.indices);
    }
    return picked;
  };
  const auto fused = selections(at::kFloat), reference = selections(at::kDouble);
  REQUIRE(fused.size() == kSteps - 1);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    INFO("step " << i + 1);
    CHECK(at::equal(fused[i], reference[i]));
  }
}

TEST_CASE("a balanced selection takes each slice's own top rows", "[attention][astraea]") {
  // 40 tokens in two slices of 20 at budget 0.1: two rows per slice. Four large changes planted in
  // the first slice and two small ones in the second: one top-4 over the whole sequence takes the
  // four large ones; the balanced selection takes the two largest of slice one and both of slice two.
  constexpr std::int64_t kBatch = 1, kTokens = 40, kWidth = 8, kText = 3, kHeads = 2, kHeadDim = 4;
  const attention::VideoLayout layout{kText, 1, 5, 8};
  at::manual_seed(10);
  const auto video0 = at::randn({kBatch, kTokens, kWidth});
  auto video1 = video0.clone();
  for (const auto& [token, change] : std::vector<std::pair<std::int64_t, double>>{{3, 10}, {7, 9}, {11, 5}, {15, 4}, {25, 1}, {33, 0.5}}) {
    video1.select(1, token).add_(change);
  }
  auto selected = [&](int shards) {
    auto s = settings({1.0, 0.1});
    s.selection_shards = shards;
    AstraeaAccelerator astraea(s);
    astraea.begin_step(0, 2);
    const auto all = astraea.select_rows(0, video0);
    CHECK(astraea.rows_selected(0, kTokens) == kTokens);  // a layer's first call computes every row
    const auto q = at::zeros({kBatch, kHeads, kText + kTokens, kHeadDim});  // every LSE ln(S): the change alone decides
    const auto kv = at::randn({kBatch, kHeads, kText + kTokens, kHeadDim});
    astraea.attention(0, q, kv, kv, layout, all);
    astraea.finish_block(0, all, video0);
    astraea.begin_step(1, 2);
    const auto sel = astraea.select_rows(0, video1);
    REQUIRE(!sel.all());
    CHECK(astraea.rows_selected(0, kTokens) == sel.indices.size(1));
    return sel.indices;
  };
  CHECK(at::equal(selected(1), at::tensor(std::vector<std::int64_t>{3, 7, 11, 15}).view({1, 4})));
  CHECK(at::equal(selected(2), at::tensor(std::vector<std::int64_t>{3, 7, 25, 33}).view({1, 4})));
  // Three slices of 13, 13 and 14 tokens: round(1.3) + round(1.3) + round(1.4) = 3 rows, one each.
  CHECK(at::equal(selected(3), at::tensor(std::vector<std::int64_t>{3, 15, 33}).view({1, 3})));
}

TEST_CASE("chunked LSE attention matches scaled_dot_product_attention", "[attention][astraea]") {
  at::manual_seed(1);
  for (const std::int64_t seq : {17, 257}) {
    for (const std::int64_t chunk : {0, 5}) {
      INFO("S = " << seq << ", chunk rows = " << chunk);
      const auto q = at::randn({2, 3, seq, 8}), k = at::randn({2, 3, seq, 8}), v = at::randn({2, 3, seq, 8});
      const auto result = attention::attention_with_lse(q, k, v, chunk);
      const auto expected = at::scaled_dot_product_attention(q, k, v);
      const auto expected_lse = at::logsumexp(at::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1);
      CHECK((result.out - expected).abs().max().item<double>() <= 1e-5);
      CHECK((result.lse - expected_lse).abs().max().item<double>() <= 1e-5);
      CHECK(result.out.scalar_type() == q.scalar_type());
      const auto fused = attention::fused_attention_with_lse(q, k, v);
      CHECK((fused.out - expected).abs().max().item<double>() <= 1e-5);
      CHECK((fused.lse - expected_lse).abs().max().item<double>() <= 1e-5);
      CHECK(fused.lse.sizes() == expected_lse.sizes());
    }
  }
  // Through the accelerator: a row subset equals the same rows of dense attention, and the video
  // rows' head-mean LSE lands in lse_prev.
  constexpr std::int64_t kText = 4, kTokens = 13, kSeq = kText + kTokens;
  const attention::VideoLayout layout{kText, 1, 1, kTokens};
  const auto q = at::randn({2, 2, kSeq, 8}), k = at::randn({2, 2, kSeq, 8}), v = at::randn({2, 2, kSeq, 8});
  const auto dense = at::scaled_dot_product_attention(q, k, v);
  AstraeaAccelerator astraea(settings({1.0, 0.3}));
  astraea.begin_step(0, 2);
  const auto all = astraea.select_rows(0, at::randn({2, kTokens, 16}));
  CHECK((astraea.attention(0, q, k, v, layout, all) - dense).abs().max().item<double>() <= 1e-5);
  const auto lse = at::logsumexp(at::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1);
  CHECK((astraea.lse_prev(0) - lse.slice(2, kText).mean(1)).abs().max().item<double>() <= 1e-5);
  const auto idx = at::tensor(std::vector<std::int64_t>{1, 4, 12, 0, 7, 8}).view({2, 3});
  const auto rows = at::cat({at::arange(kText).expand({2, kText}), idx + kText}, 1);  // [B, L + k]
  const auto pick = [&](const at::Tensor& x) { return at::gather(x, 2, rows.view({2, 1, -1, 1}).expand({2, 2, rows.size(1), 8})); };
  const auto subset = astraea.attention(0, pick(q), k, v, layout, RowSelection{idx});
  CHECK((subset - pick(dense)).abs().max().item<double>() <= 1e-5);
}

TEST_CASE("astraea rejects bad budgets and step counts", "[attention][astraea]") {
  CHECK_THROWS_WITH(AstraeaAccelerator(settings({0.5, 1.5})), Catch::Contains("budget[1] = 1.5"));
  CHECK_THROWS_WITH(AstraeaAccelerator(settings({})), Catch::Contains("at least one"));
  AstraeaAccelerator three(settings({1.0, 0.5, 0.5}));
  CHECK_THROWS_WITH(three.begin_step(0, 4), Catch::Contains("3 values for 4 steps"));
  AstraeaAccelerator one(settings({0.5}));
  CHECK_THROWS_WITH(one.select_rows(0, at::zeros({1, 4, 2})), Catch::Contains("before begin_step"));
  CHECK_NOTHROW(one.begin_step(0, 4));
}

// AstraeaRainFusionAccelerator against independent references through whole tiny generations:
// budget 1 and density 1 is dense attention, budget 1 is plain RainFusion, density 1 is plain
// ASTRAEA; and a row-subset step equals the same rows of RainFusion's full masked attention.
#include "attention/astraea_rainfusion_accelerator.h"
#include "attention/dense_accelerator.h"
#include "attention/random_head_patterns.h"
#include "model/cogvideox_transformer.h"
#include "model/random_init.h"
#include "pipeline/generation.h"
#include "attention/tiny_transformer.h"
#include "support/catch.h"

#include <ATen/ATen.h>

#include <vector>

using namespace astraea;
using attention::AstraeaAccelerator;
using attention::AstraeaRainFusionAccelerator;
using attention::AstraeaSettings;
using attention::RainFusionAccelerator;
using attention::RainFusionSettings;

namespace {

constexpr int kLayers = testing::kTinyLayers;
constexpr int kSteps = 4;

// Text 8, then 2 latent frames of 4 x 4 patches (the first is RainFusion's sink).
model::CogVideoXTransformer3D tiny_transformer() { return testing::tiny_transformer(9, 13); }

pipeline::GenerationRequest tiny_request() {
  pipeline::GenerationRequest r;
  at::manual_seed(8);
  r.prompt_embeds = at::randn({1, 8, 8});
  r.negative_prompt_embeds = at::randn({1, 8, 8});
  r.latent_frames = 3;
  r.latent_height = 8;
  r.latent_width = 8;
  r.seed = 3;
  r.guidance_scale = 6.0;
  r.sampler.name = "ddim";
  r.sampler.steps = kSteps;
  return r;
}

AstraeaSettings astraea_settings(std::vector<double> budget) {
  AstraeaSettings s;
  s.budget = std::move(budget);
  return s;
}

// Sparse RainFusion on the tiny layout: bands of 4-token blocks, one dense warm-up step of 4.
RainFusionSettings sparse_rainfusion() {
  RainFusionSettings s;
  s.sparsity = 0.5;
  s.block_size = 4;
  s.warmup = 0.25;
  return s;
}

// Every mask full: sparsity 0 and a textural stride of 1.
RainFusionSettings full_rainfusion() {
  RainFusionSettings s;
  s.sparsity = 0.0;
  s.textural_stride = 1;
  s.block_size = 4;
  s.warmup = 0.0;
  return s;
}

double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  return (actual - expected).abs().max().item<double>() / expected.abs().max().item<double>();
}

at::Tensor latents(attention::Accelerator& accelerator) {
  auto transformer = tiny_transformer();
  return pipeline::generate(transformer, tiny_request(), accelerator).latents;
}

}  // namespace

TEST_CASE("astraea_rainfusion at budget 1 and density 1 is dense attention", "[attention][astraea_rainfusion]") {
  attention::DenseAccelerator dense;
  AstraeaRainFusionAccelerator combined(astraea_settings({1.0}), full_rainfusion());
  CHECK(combined.name() == "astraea_rainfusion");
  const double error = relative_error(latents(combined), latents(dense));
  INFO("relative error " << error);
  CHECK(error <= 1e-6);
  // The masked path ran (no warm-up): every layer has patterns.
  for (int layer = 0; layer < kLayers; ++layer) CHECK(combined.patterns(layer).sizes() == at::IntArrayRef({2, 2}));
}

TEST_CASE("astraea_rainfusion at budget 1 is RainFusion", "[attention][astraea_rainfusion]") {
  RainFusionAccelerator rainfusion(sparse_rainfusion());
  AstraeaRainFusionAccelerator combined(astraea_settings({1.0}), sparse_rainfusion());
  attention::DenseAccelerator dense;
  const auto expected = latents(rainfusion);
  const double error = relative_error(latents(combined), expected);
  const double sparse_effect = relative_error(expected, latents(dense));
  INFO("relative error " << error << "; RainFusion against dense " << sparse_effect);
  CHECK(error <= 1e-5);
  CHECK(sparse_effect > 100 * error);  // the masks do change the result
}

TEST_CASE("astraea_rainfusion at density 1 is ASTRAEA", "[attention][astraea_rainfusion]") {
  const std::vector<double> budget{1.0, 0.5, 0.25, 0.5};
  AstraeaAccelerator astraea(astraea_settings(budget));
  AstraeaRainFusionAccelerator combined(astraea_settings(budget), full_rainfusion());
  const auto expected = latents(astraea);
  const double error = relative_error(latents(combined), expected);
  INFO("relative error " << error);
  CHECK(error <= 1e-5);
  for (int layer = 0; layer < kLayers; ++layer) {
    INFO("layer " << layer);
    const auto& a = astraea.last_selection(layer);
    const auto& b = combined.astraea().last_selection(layer);
    REQUIRE(!a.all());
    REQUIRE(!b.all());
    CHECK(at::equal(a.indices, b.indices));
    CHECK((astraea.lse_prev(layer) - combined.astraea().lse_prev(layer)).abs().max().item<double>() <= 1e-4);
  }
}

TEST_CASE("a row-subset step equals the same rows of RainFusion's masked attention", "[attention][astraea_rainfusion]") {
  at::manual_seed(17);
  const attention::VideoLayout layout{5, 3, 3, 4};  // text 5, sink, then 2 frames of 3 x 4
  const std::int64_t s = layout.total_tokens(), n = layout.video_tokens();
  const at::Tensor q = at::randn({2, 3, s, 8}), k = at::randn({2, 3, s, 8}), v = at::randn({2, 3, s, 8});
  RainFusionSettings settings = sparse_rainfusion();
  settings.warmup = 0.0;
  settings.decision = attention::PatternDecision::kRandom;  // the same heads' patterns in both
  RainFusionAccelerator rainfusion(settings);
  rainfusion.begin_step(1, 2);
  const at::Tensor full = rainfusion.attention(0, q, k, v, layout, {});

  AstraeaRainFusionAccelerator combined(astraea_settings({1.0, 0.5}), settings);
  combined.begin_step(0, 2);
  const auto all = combined.select_rows(0, at::randn({2, n, 4}));
  REQUIRE(all.all());
  combined.finish_block(0, all, at::randn({2, n, 4}));
  combined.begin_step(1, 2);
  const auto rows = combined.select_rows(0, at::randn({2, n, 4}));
  REQUIRE(!rows.all());
  REQUIRE(rows.indices.size(1) == n / 2);
  const at::Tensor positions = at::cat({at::arange(layout.text_tokens).expand({2, layout.text_tokens}), rows.indices + layout.text_tokens}, 1);
  const auto pick = [&](const at::Tensor& x) {
    return at::gather(x, 2, positions.view({2, 1, -1, 1}).expand({2, 3, positions.size(1), 8}));
  };
  const at::Tensor subset = combined.attention(0, pick(q), k, v, layout, rows);
  CHECK((subset - pick(full)).abs().max().item<double>() <= 1e-5);
  CHECK(at::equal(combined.patterns(0), attention::random_head_patterns(0, 1, 0, 2, 3)));
}

TEST_CASE("astraea_rainfusion at budget 1 is RainFusion when both reuse patterns for r steps", "[attention][astraea_rainfusion][reuse]") {
  // The combination's ARM also decides in the warm-up (for the row-subset calls); its reuse
  // interval still counts from the first sparse step, so with 3 sparse steps of 4 and r = 2 both
  // decide at steps 1 and 3 and reuse at step 2.
  RainFusionSettings settings = sparse_rainfusion();
  settings.decide_every = 2;
  RainFusionAccelerator rainfusion(settings);
  AstraeaRainFusionAccelerator combined(astraea_settings({1.0}), settings);
  const auto expected = latents(rainfusion);
  const double error = relative_error(latents(combined), expected);
  INFO("relative error " << error);
  CHECK(error <= 1e-5);
  CHECK(rainfusion.stats().pattern_decisions == 2 * kLayers);
  CHECK(rainfusion.stats().pattern_reuses == kLayers);
}

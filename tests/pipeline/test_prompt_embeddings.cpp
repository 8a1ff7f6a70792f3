// The embedded model's text encoder and pixel-space frames against hand-worked values.
#include <ATen/ATen.h>

#include "data/prompt.h"
#include "pipeline/prompt_embeddings.h"
#include "pipeline/vae_decoder.h"
#include "support/catch.h"

using namespace astraea;

TEST_CASE("learned prompt embeddings are the table's rows of the world tokenizer's ids", "[pipeline][prompt_embeddings]") {
  // Row i of the table is filled with i, so every embedding reads back its token id.
  const auto table = at::arange(data::kWorldVocabularySize, at::kFloat).unsqueeze(1).expand({data::kWorldVocabularySize, 4}).contiguous();
  const std::vector<std::string> texts = {"a red square moves left quickly on a striped background", "A blue circle moves up."};
  const auto e = pipeline::learned_prompt_embeddings(table, texts, 12);
  REQUIRE(e.prompts.sizes() == at::IntArrayRef({2, 12, 4}));
  const auto tokenizer = data::world_tokenizer();
  for (std::size_t p = 0; p < texts.size(); ++p) {
    const auto ids = tokenizer.encode(texts[p], 12).ids;
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(e.prompts[p][i][3].item<float>() == static_cast<float>(ids[i]));
  }
  // The negative prompt is the empty text: <eos>, then padding.
  CHECK(e.negative[1][0][0].item<float>() == static_cast<float>(data::kEosId));
  CHECK(e.negative.slice(1, 1).eq(static_cast<float>(data::kPadId)).all().item<bool>());
  CHECK_THROWS_WITH(pipeline::learned_prompt_embeddings(table, {"a red squar moves left"}, 12), Catch::Contains("square"));
  CHECK_THROWS_WITH(pipeline::learned_prompt_embeddings(table.slice(0, 1), texts, 12), Catch::Contains("world vocabulary"));
}

TEST_CASE("pixel-space latents map [-1, 1] to frames in [0, 1], channels last", "[pipeline][pixel_space]") {
  auto latents = at::zeros({1, 2, 3, 2, 2});
  latents[0][1][2][1][0] = 1.0f;
  latents[0][0][0][0][1] = -1.0f;
  latents[0][0][1][1][1] = 3.0f;  // clamped
  const auto frames = pipeline::pixel_space_frames(latents);
  REQUIRE(frames.sizes() == at::IntArrayRef({1, 2, 2, 2, 3}));
  CHECK(frames[0][1][1][0][2].item<float>() == 1.0f);
  CHECK(frames[0][0][0][1][0].item<float>() == 0.0f);
  CHECK(frames[0][0][1][1][1].item<float>() == 1.0f);
  CHECK(frames[0][1][0][0][0].item<float>() == 0.5f);
  CHECK_THROWS_WITH(pipeline::pixel_space_frames(at::zeros({1, 2, 4, 2, 2})), Catch::Contains("[B, F, 3, H, W]"));
}

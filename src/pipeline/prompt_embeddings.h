// Precomputed T5 prompt embeddings, read from safetensors: `prompt_embeds` [N, L, D] (one row per
// prompt, in the order of the config's prompt list) and `negative_prompt_embeds` [1 or N, L, D].
// scripts/encode_prompts.py writes such files for users who have T5. Without a file, seeded
// random embeddings of the model's shape stand in (for latency work on random weights). The
// embedded tiny model has its own learned text-token table instead.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace astraea::pipeline {

// The learned text-token table's name in the embedded model's weights file.
inline constexpr const char* kTextEmbeddingTensor = "text_embedding.weight";

struct PromptEmbeddings {
  at::Tensor prompts;    // [N, L, D] float32
  at::Tensor negative;   // [N, L, D] float32 (broadcast from one row if the file has one)
  std::string source;    // the file, or "random (seed S)"
};

// Fails naming the file and the tensor on a missing file or tensor, or a shape other than
// [count, length, dim].
PromptEmbeddings load_prompt_embeddings(const std::filesystem::path& file, std::int64_t count, std::int64_t length, std::int64_t dim);

// The embedded model's text encoder: each text through the world tokenizer (strict: an unknown word
// fails naming the closest known one), padded to `length`, its ids indexing `table`
// [vocabulary, D]. The negative prompt is the empty text, as in training's prompt dropout.
PromptEmbeddings learned_prompt_embeddings(const at::Tensor& table, const std::vector<std::string>& texts, std::int64_t length);

PromptEmbeddings random_prompt_embeddings(std::int64_t count, std::int64_t length, std::int64_t dim, std::uint64_t seed);

}  // namespace astraea::pipeline

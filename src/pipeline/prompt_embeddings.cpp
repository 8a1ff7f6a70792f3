#include "pipeline/prompt_embeddings.h"

#include "core/error.h"
#include "model/safetensors_file.h"

#include <ATen/ATen.h>

namespace astraea::pipeline {
namespace {

at::Tensor checked(const model::SafetensorsFile& file, const std::string& name, std::int64_t rows, std::int64_t length, std::int64_t dim) {
  if (!file.has(name)) fail("prompt embeddings '{}': no tensor '{}'", file.path().string(), name);
  const auto t = file.tensor(name);
  const bool rows_ok = t.dim() == 3 && (t.size(0) == rows || (name == "negative_prompt_embeds" && t.size(0) == 1));
  if (!rows_ok || t.size(1) != length || t.size(2) != dim) {
    fail("prompt embeddings '{}': tensor '{}' has shape {}, expected [{}, {}, {}] ({} prompts, text length {}, text_embed_dim {})",
         file.path().string(), name, c10::str(t.sizes()), rows, length, dim, rows, length, dim);
  }
  return t.to(at::kFloat);
}

}  // namespace

PromptEmbeddings load_prompt_embeddings(const std::filesystem::path& path, std::int64_t count, std::int64_t length, std::int64_t dim) {
  const model::SafetensorsFile file(path);
  PromptEmbeddings e;
  e.prompts = checked(file, "prompt_embeds", count, length, dim);
  e.negative = checked(file, "negative_prompt_embeds", count, length, dim).expand({count, length, dim}).contiguous();
  e.source = path.string();
  return e;
}

PromptEmbeddings random_prompt_embeddings(std::int64_t count, std::int64_t length, std::int64_t dim, std::uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  PromptEmbeddings e;
  e.prompts = at::randn({count, length, dim}, generator, at::kFloat);
  e.negative = at::randn({1, length, dim}, generator, at::kFloat).expand({count, length, dim}).contiguous();
  e.source = fmt::format("random (seed {})", seed);
  return e;
}

}  // namespace astraea::pipeline

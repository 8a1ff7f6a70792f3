#include "pipeline/prompt_embeddings.h"

#include "core/error.h"
#include "data/prompt.h"
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

PromptEmbeddings learned_prompt_embeddings(const at::Tensor& table, const std::vector<std::string>& texts, std::int64_t length) {
  const auto tokenizer = data::world_tokenizer();
  if (table.dim() != 2 || table.size(0) != static_cast<std::int64_t>(tokenizer.vocabulary_size())) {
    fail("learned text embeddings: the table must be [{}, D] (the world vocabulary), got {}", tokenizer.vocabulary_size(), c10::str(table.sizes()));
  }
  if (texts.empty()) fail(ErrorKind::kConfig, "prompts.texts: the learned text encoder needs at least one prompt");
  std::vector<std::int64_t> ids;
  for (const auto& text : texts) {
    const auto encoding = tokenizer.encode(text, static_cast<int>(length));
    ids.insert(ids.end(), encoding.ids.begin(), encoding.ids.end());
  }
  const auto count = static_cast<std::int64_t>(texts.size());
  const auto empty = tokenizer.encode("", static_cast<int>(length)).ids;
  const auto table_f = table.to(at::kCPU, at::kFloat);
  PromptEmbeddings e;
  e.prompts = table_f.index_select(0, at::tensor(ids, at::kLong)).view({count, length, table.size(1)});
  e.negative = table_f.index_select(0, at::tensor(empty, at::kLong)).unsqueeze(0).expand({count, length, table.size(1)}).contiguous();
  e.source = "learned text-token embeddings";
  return e;
}

}  // namespace astraea::pipeline

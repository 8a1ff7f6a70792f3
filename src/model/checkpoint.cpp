#include "model/checkpoint.h"

#include "core/error.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace astraea::model {
namespace {

namespace fs = std::filesystem;

// Entries shown per list in the load error before the rest is only counted.
constexpr std::size_t kListedNames = 8;

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string bare(std::string_view text) {
  const auto quoted = quote_for_message(text);
  return quoted.substr(1, quoted.size() - 2);
}

// The file to read for `path`, resolving a directory as TensorSource documents.
fs::path resolve(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail("checkpoint '{}' does not exist", path.string());
  if (!fs::is_directory(path, ec)) return path;
  for (const auto name : {kDiffusersIndexName, kDiffusersWeightsName}) {
    if (fs::is_regular_file(path / name, ec)) return path / name;
  }
  std::vector<fs::path> indexes;
  std::vector<fs::path> files;
  std::vector<std::string> all;
  for (const auto& item : fs::directory_iterator(path, ec)) {
    const auto name = item.path().filename().string();
    all.push_back(name);
    if (ends_with(name, ".safetensors.index.json")) indexes.push_back(item.path());
    if (ends_with(name, ".safetensors")) files.push_back(item.path());
  }
  if (ec) fail("checkpoint '{}': cannot list the directory: {}", path.string(), ec.message());
  if (indexes.size() == 1) return indexes.front();
  if (indexes.empty() && files.size() == 1) return files.front();
  std::sort(all.begin(), all.end());
  if (all.size() > kListedNames) all.resize(kListedNames);
  fail("checkpoint '{}': expected {}, {}, or exactly one *.safetensors.index.json or *.safetensors file; found {} "
       "index and {} safetensors files (the directory holds: {})",
       path.string(), kDiffusersIndexName, kDiffusersWeightsName, indexes.size(), files.size(), fmt::join(all, ", "));
}

nlohmann::json read_index(const fs::path& index) {
  std::ifstream in(index, std::ios::binary);
  if (!in) fail("cannot read checkpoint index '{}'", index.string());
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    fail("checkpoint index '{}' is not valid JSON: {}", index.string(), quote_for_message(e.what(), 300));
  }
}

// A shard name must stay inside the index's folder.
bool is_local(const fs::path& shard) {
  if (shard.empty() || shard.is_absolute()) return false;
  return std::none_of(shard.begin(), shard.end(), [](const fs::path& part) { return part == ".."; });
}

std::string shape_text(at::IntArrayRef shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

// "N what (a, b, ... and M more)", or nothing when `items` is empty.
std::string listing(const std::vector<std::string>& items, std::string_view what) {
  if (items.empty()) return {};
  std::vector<std::string> shown(items.begin(), items.begin() + std::min(items.size(), kListedNames));
  std::string text = fmt::format("{} {} ({}", items.size(), what, fmt::join(shown, ", "));
  if (items.size() > shown.size()) text += fmt::format(", ... and {} more", items.size() - shown.size());
  return text + ")";
}

}  // namespace

TensorSource::TensorSource(const fs::path& path) : path_(resolve(path)) {
  const auto name = path_.filename().string();
  if (!ends_with(name, ".json")) {
    files_.emplace_back(path_);
    for (const auto& tensor : files_.front().header().tensors) owner_.emplace(tensor.name, 0);
    return;
  }
  const auto index = path_.string();
  const auto json = read_index(path_);
  if (!json.is_object() || !json.contains("weight_map") || !json.at("weight_map").is_object()) {
    fail("checkpoint index '{}' has no \"weight_map\" object", index);
  }
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const auto& [tensor, shard] : json.at("weight_map").items()) {
    if (!shard.is_string()) fail("checkpoint index '{}': tensor {} maps to {}, not a file name", index, quote_for_message(tensor), shard.type_name());
    by_shard[shard.get<std::string>()].push_back(tensor);
  }
  for (const auto& [shard, tensors] : by_shard) {
    const fs::path relative(shard);
    if (!is_local(relative)) {
      fail("checkpoint index '{}': shard {} is not a path inside the index's folder", index, quote_for_message(shard));
    }
    const auto shard_path = path_.parent_path() / relative;
    std::error_code ec;
    if (!fs::exists(shard_path, ec)) {
      fail("checkpoint index '{}': shard {} (holding {} of its tensors) is missing", index, quote_for_message(shard),
           tensors.size());
    }
    with_context(fmt::format("checkpoint index '{}'", index), [&] { files_.emplace_back(shard_path); });
    const auto& file = files_.back();
    for (const auto& tensor : tensors) {
      if (!file.has(tensor)) {
        fail("checkpoint index '{}': tensor {} is mapped to shard {}, which does not hold it", index,
             quote_for_message(tensor), quote_for_message(shard));
      }
      owner_.emplace(tensor, files_.size() - 1);
    }
    if (file.header().tensors.size() != tensors.size()) {
      const std::set<std::string> listed(tensors.begin(), tensors.end());
      for (const auto& entry : file.header().tensors) {
        if (!listed.count(entry.name)) {
          fail("checkpoint index '{}': shard {} holds tensor {}, which the weight_map does not list", index,
               quote_for_message(shard), quote_for_message(entry.name));
        }
      }
    }
  }
}

std::vector<std::string> TensorSource::names() const {
  std::vector<std::string> out;
  out.reserve(owner_.size());
  for (const auto& [name, file] : owner_) out.push_back(name);
  return out;
}

bool TensorSource::has(std::string_view name) const { return owner_.find(name) != owner_.end(); }

const SafetensorsFile& TensorSource::file_of(std::string_view name) const {
  const auto it = owner_.find(name);
  if (it == owner_.end()) fail("checkpoint '{}': no tensor {}", path_.string(), quote_for_message(name));
  return files_[it->second];
}

const TensorEntry& TensorSource::entry(std::string_view name) const { return file_of(name).entry(name); }

at::Tensor TensorSource::tensor(std::string_view name) const { return file_of(name).tensor(name); }

void load_state_dict(torch::nn::Module& module, const TensorSource& source, at::ScalarType dtype, at::Device device,
                     std::string_view prefix, const std::vector<std::string>& ignore_prefixes) {
  auto where = fmt::format("checkpoint '{}'", source.path().string());
  if (!prefix.empty()) where += fmt::format(" (prefix {})", quote_for_message(prefix));
  if (!at::isFloatingType(dtype)) fail("{}: load dtype {} is not a floating-point type", where, c10::toString(dtype));

  std::map<std::string, at::Tensor> targets;
  for (const auto& item : module.named_parameters(true)) targets.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) targets.emplace(item.key(), item.value());

  std::map<std::string, std::string> found;  // module name -> source name
  for (const auto& name : source.names()) {
    const bool ignored = std::any_of(ignore_prefixes.begin(), ignore_prefixes.end(),
                                     [&](const std::string& p) { return name.compare(0, p.size(), p) == 0; });
    if (ignored || name.compare(0, prefix.size(), prefix) != 0) continue;
    found.emplace(name.substr(prefix.size()), name);
  }

  std::vector<std::string> missing;
  std::vector<std::string> unexpected;
  std::vector<std::string> misshaped;
  for (const auto& [name, target] : targets) {
    const auto it = found.find(name);
    if (it == found.end()) {
      missing.push_back(bare(name));
      continue;
    }
    const auto& file_shape = source.entry(it->second).shape;
    if (!std::equal(file_shape.begin(), file_shape.end(), target.sizes().begin(), target.sizes().end())) {
      misshaped.push_back(fmt::format("{}: file {} vs model {}", bare(it->second), shape_text(file_shape), shape_text(target.sizes())));
    }
  }
  for (const auto& [name, source_name] : found) {
    if (!targets.count(name)) unexpected.push_back(bare(source_name));
  }
  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::vector<std::string> parts;
    for (auto part : {listing(missing, "missing"), listing(unexpected, "unexpected"), listing(misshaped, "mis-shaped")}) {
      if (!part.empty()) parts.push_back(std::move(part));
    }
    fail("{}: {}", where, fmt::join(parts, ", "));
  }

  at::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    const auto type = at::isFloatingType(target.scalar_type()) ? dtype : target.scalar_type();
    target.set_data(source.tensor(found.at(name)).to(device, type));
  }
}

}  // namespace astraea::model

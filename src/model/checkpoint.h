// Checkpoints made of safetensors files and strict loading of a module's state from them.
// A TensorSource is one .safetensors file or a sharded checkpoint (an index JSON whose
// `weight_map` names, for every tensor, the shard file holding it), opened from either path or
// from the directory that holds it.
#pragma once

#include "model/safetensors_file.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace torch::nn {
class Module;
}

namespace astraea::model {

// The index file diffusers writes next to its shards.
inline constexpr std::string_view kDiffusersIndexName = "diffusion_pytorch_model.safetensors.index.json";
inline constexpr std::string_view kDiffusersWeightsName = "diffusion_pytorch_model.safetensors";

class TensorSource {
 public:
  // `path` is a .safetensors file, an index `*.index.json`, or a directory. In a directory the
  // diffusers index is preferred, then diffusers' single file, then the only `*.safetensors.index.json`,
  // then the only `*.safetensors`; anything else fails listing what the directory holds.
  // Fails naming the index and the shard when a shard is missing, lacks a tensor the index maps
  // to it, or holds a tensor the index does not list.
  explicit TensorSource(const std::filesystem::path& path);

  // The file or index this source was read from (used in messages).
  const std::filesystem::path& path() const { return path_; }
  // The opened files: one, or the shards in name order.
  const std::vector<SafetensorsFile>& files() const { return files_; }
  // Every tensor name, sorted.
  std::vector<std::string> names() const;
  bool has(std::string_view name) const;
  const TensorEntry& entry(std::string_view name) const;
  // A fresh CPU tensor of the file's dtype.
  at::Tensor tensor(std::string_view name) const;

 private:
  const SafetensorsFile& file_of(std::string_view name) const;

  std::filesystem::path path_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, std::size_t, std::less<>> owner_;  // tensor name -> position in files_
};

// Loads every parameter and buffer of `module` (recursively, by its dotted names) from `source`.
// Source names starting with one of `ignore_prefixes` are skipped; of the rest, only names starting
// with `prefix` take part, with the prefix removed. Strict: if any module tensor has no source
// tensor, any source tensor has no module tensor, or shapes differ, nothing is loaded and a
// single one-line error lists all of them. Otherwise each tensor is replaced (in place, keeping its
// identity) by the file's values on `device`, floating-point ones converted to `dtype` (a
// floating-point type) and others keeping their own type, so the whole module ends up there.
void load_state_dict(torch::nn::Module& module, const TensorSource& source, at::ScalarType dtype, at::Device device,
                     std::string_view prefix = "", const std::vector<std::string>& ignore_prefixes = {});

}  // namespace astraea::model

// Reading and writing whole .safetensors files with LibTorch tensors. SafetensorsFile maps the
// file read-only and validates its header on open; tensor() copies one tensor out of the mapping
// (so no alignment is assumed). save_safetensors writes the reference writer's layout.
#pragma once

#include "model/safetensors_header.h"

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace astraea::model {

// The LibTorch type of a safetensors dtype (all supported ones have one).
at::ScalarType to_scalar_type(Dtype dtype);
// The safetensors dtype of a LibTorch type; fails for types safetensors cannot hold
// (ComplexHalf, ComplexDouble, quantized, ...).
Dtype to_safetensors_dtype(at::ScalarType type);

class SafetensorsFile {
 public:
  // Maps and validates `path`; fails naming the path if it is missing, not a regular file,
  // unreadable or not a valid safetensors file.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const SafetensorsHeader& header() const { return header_; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  // Tensor names, sorted.
  std::vector<std::string> names() const;
  bool has(std::string_view name) const;
  // Fails naming the file and the tensor if there is none of that name.
  const TensorEntry& entry(std::string_view name) const;
  // The tensor's bytes inside the mapping (valid while this object lives).
  std::string_view bytes(std::string_view name) const;
  // A fresh contiguous CPU tensor of the file's dtype and shape holding a copy of the bytes.
  at::Tensor tensor(std::string_view name) const;

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const char* data_ = nullptr;  // the whole file, mapped read-only
  std::size_t size_ = 0;
  SafetensorsHeader header_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in header_.tensors
};

// Writes `tensors` (moved to the CPU and made contiguous first) and `metadata` to `path` in the
// reference writer's layout: header padded with spaces so the data starts at a multiple of 8,
// tensors ordered by descending dtype rank and then by name, little-endian C-order bytes.
// Fails naming the path and tensor for duplicate names or dtypes safetensors cannot hold.
void save_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace astraea::model

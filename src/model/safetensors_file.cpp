#include "model/safetensors_file.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <system_error>

namespace astraea::model {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so must the host be");

std::string errno_text(int error) { return std::system_category().message(error); }

struct DtypePair {
  Dtype dtype;
  at::ScalarType type;
};

constexpr DtypePair kTypes[] = {
    {Dtype::kBool, at::kBool},
    {Dtype::kU8, at::kByte},
    {Dtype::kI8, at::kChar},
    {Dtype::kI16, at::kShort},
    {Dtype::kU16, at::kUInt16},
    {Dtype::kF16, at::kHalf},
    {Dtype::kBF16, at::kBFloat16},
    {Dtype::kI32, at::kInt},
    {Dtype::kU32, at::kUInt32},
    {Dtype::kF32, at::kFloat},
    {Dtype::kF64, at::kDouble},
    {Dtype::kI64, at::kLong},
    {Dtype::kU64, at::kUInt64},
    {Dtype::kC64, at::kComplexFloat},
    {Dtype::kF8E4M3, at::kFloat8_e4m3fn},
    {Dtype::kF8E5M2, at::kFloat8_e5m2},
    {Dtype::kF8E8M0, at::kFloat8_e8m0fnu},
    {Dtype::kF8E4M3Fnuz, at::kFloat8_e4m3fnuz},
    {Dtype::kF8E5M2Fnuz, at::kFloat8_e5m2fnuz},
};

}  // namespace

at::ScalarType to_scalar_type(Dtype dtype) {
  for (const auto& pair : kTypes) {
    if (pair.dtype == dtype) return pair.type;
  }
  fail("safetensors dtype {} has no LibTorch equivalent", dtype_name(dtype));
}

Dtype to_safetensors_dtype(at::ScalarType type) {
  for (const auto& pair : kTypes) {
    if (pair.type == type) return pair.dtype;
  }
  fail("LibTorch dtype {} has no safetensors equivalent", c10::toString(type));
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open safetensors file '{}': {}", path.string(), errno_text(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    fail("cannot stat safetensors file '{}': {}", path.string(), errno_text(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    fail("safetensors file '{}' is not a regular file", path.string());
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      fail("cannot map safetensors file '{}': {}", path.string(), errno_text(error));
    }
    data_ = static_cast<const char*>(mapped);
  }
  ::close(fd);
  try {
    header_ = parse_safetensors_header(std::string_view(data_, size_), size_, path.string());
    for (std::size_t i = 0; i < header_.tensors.size(); ++i) index_.emplace(header_.tensors[i].name, i);
  } catch (...) {
    release();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() { release(); }

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      header_(std::move(other.header_)),
      index_(std::move(other.index_)) {}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    header_ = std::move(other.header_);
    index_ = std::move(other.index_);
  }
  return *this;
}

void SafetensorsFile::release() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, position] : index_) out.push_back(name);
  return out;
}

bool SafetensorsFile::has(std::string_view name) const { return index_.find(name) != index_.end(); }

const TensorEntry& SafetensorsFile::entry(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) fail("{}: no tensor {}", path_.string(), quote_for_message(name));
  return header_.tensors[it->second];
}

std::string_view SafetensorsFile::bytes(std::string_view name) const {
  const auto& e = entry(name);
  return std::string_view(data_ + header_.data_offset + e.begin, e.nbytes());
}

at::Tensor SafetensorsFile::tensor(std::string_view name) const {
  const auto& e = entry(name);
  auto out = at::empty(e.shape, at::TensorOptions().dtype(to_scalar_type(e.dtype)).device(at::kCPU));
  const auto source = bytes(name);
  if (!source.empty()) std::memcpy(out.data_ptr(), source.data(), source.size());
  return out;
}

void save_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const auto file = path.string();
  std::vector<std::pair<TensorEntry, at::Tensor>> items;
  std::set<std::string_view> seen;
  for (const auto& [name, tensor] : tensors) {
    const auto where = fmt::format("{}: tensor {}", file, quote_for_message(name));
    if (!seen.insert(name).second) fail("{}: the name appears more than once", where);
    if (!tensor.defined()) fail("{}: the tensor is undefined", where);
    if (tensor.layout() != at::kStrided) fail("{}: only dense (strided) tensors can be saved", where);
    TensorEntry entry;
    entry.name = name;
    entry.dtype = with_context(where, [&] { return to_safetensors_dtype(tensor.scalar_type()); });
    auto cpu = tensor.to(at::kCPU).resolve_conj().resolve_neg().contiguous();
    entry.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
    items.emplace_back(std::move(entry), std::move(cpu));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    if (a.first.dtype != b.first.dtype) return a.first.dtype > b.first.dtype;
    return a.first.name < b.first.name;
  });
  std::vector<TensorEntry> entries;
  std::uint64_t offset = 0;
  for (auto& [entry, tensor] : items) {
    entry.begin = offset;
    entry.end = offset + tensor.nbytes();
    offset = entry.end;
    entries.push_back(entry);
  }
  const auto header = with_context(file, [&] { return serialize_safetensors_header(entries, metadata); });

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("cannot write safetensors file '{}': {}", file, errno_text(errno));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& [entry, tensor] : items) {
    if (entry.nbytes() > 0) out.write(static_cast<const char*>(tensor.const_data_ptr()), static_cast<std::streamsize>(entry.nbytes()));
  }
  out.close();
  if (!out) fail("cannot write safetensors file '{}': {}", file, errno_text(errno));
}

}  // namespace astraea::model

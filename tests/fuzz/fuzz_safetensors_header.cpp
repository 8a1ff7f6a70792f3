// libFuzzer target for the safetensors header parser. Each input is a whole file. It may be
// rejected with astraea::Error (one line, starting with the file name); anything else that
// escapes, and any sanitizer report, is a bug. An accepted header must satisfy the layout rules
// and read back unchanged after serialize_safetensors_header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/safetensors_header.h"

namespace {

using astraea::model::parse_safetensors_header;
using astraea::model::SafetensorsHeader;
using astraea::model::TensorEntry;

constexpr const char* kFileName = "fuzz.safetensors";

void check(bool condition) {
  if (!condition) std::abort();
}

bool same_entries(const SafetensorsHeader& a, const SafetensorsHeader& b) {
  if (a.tensors.size() != b.tensors.size()) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const TensorEntry& x = a.tensors[i];
    const TensorEntry& y = b.tensors[i];
    if (x.name != y.name || x.dtype != y.dtype || x.shape != y.shape || x.begin != y.begin || x.end != y.end) return false;
  }
  return a.metadata == b.metadata;
}

void check_layout(const SafetensorsHeader& header, std::uint64_t file_size) {
  std::uint64_t next = 0;
  for (const auto& t : header.tensors) {
    check(t.begin == next && t.end >= t.begin);
    std::uint64_t bytes = astraea::model::dtype_itemsize(t.dtype);
    for (const auto dim : t.shape) {
      check(dim >= 0);
      bytes *= static_cast<std::uint64_t>(dim);
    }
    check(bytes == t.nbytes());
    next = t.end;
  }
  check(header.data_offset >= 8 && header.data_offset <= file_size && file_size - header.data_offset == next);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  SafetensorsHeader header;
  try {
    header = parse_safetensors_header(file, size, kFileName);
  } catch (const astraea::Error& e) {
    const std::string_view message = e.what();
    check(message.find('\n') == std::string_view::npos && message.find('\r') == std::string_view::npos);
    check(message.starts_with(std::string(kFileName) + ": "));
    return 0;
  }
  check_layout(header, size);

  std::string rewritten;
  try {
    rewritten = astraea::model::serialize_safetensors_header(header.tensors, header.metadata);
  } catch (const astraea::Error&) {
    std::abort();
  }
  check(rewritten.size() % 8 == 0);
  rewritten.append(file.substr(header.data_offset));
  try {
    const auto again = parse_safetensors_header(rewritten, rewritten.size(), kFileName);
    check(same_entries(header, again));
  } catch (const astraea::Error&) {
    std::abort();
  }
  return 0;
}

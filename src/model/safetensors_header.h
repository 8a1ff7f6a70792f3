// The safetensors container without tensors: element types, the validated JSON header and its
// serialisation. A file is `u64 N` (little-endian) ‖ N bytes of JSON ‖ the tensor bytes; the
// header maps each tensor name to its dtype, shape and [begin, end) offsets into the tensor bytes.
// Parsing applies the reference reader's rules (see parse_safetensors_header); no torch here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace astraea::model {

// Element types, declared in the reference writer's rank order: files order tensors by
// descending rank (then name), which puts the widest types first. F4 and F6_* are recognised so
// that their files fail with a clear message, but are not supported.
enum class Dtype {
  kBool,
  kF4,
  kF6E2M3,
  kF6E3M2,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,
  kF8E8M0,
  kF8E4M3Fnuz,
  kF8E5M2Fnuz,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kC64,
  kF64,
  kI64,
  kU64,
};

// The header spelling: "BF16", "F8_E4M3", ...
std::string_view dtype_name(Dtype dtype);
// The dtype spelled `name`, if any (case-sensitive, as in files).
std::optional<Dtype> dtype_from_name(std::string_view name);
// Bytes per element; fails for the sub-byte types.
std::size_t dtype_itemsize(Dtype dtype);
// Whether tensors of this type can be read and written (all but F4 and F6_*).
bool dtype_supported(Dtype dtype);

struct TensorEntry {
  std::string name;
  Dtype dtype = Dtype::kF32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets relative to the start of the tensor bytes; end exclusive
  std::uint64_t end = 0;

  std::uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
  std::vector<TensorEntry> tensors;  // sorted by begin (then end, then name)
  std::map<std::string, std::string> metadata;
  std::uint64_t data_offset = 0;  // 8 + N: where the tensor bytes start in the file
};

// Largest header the reference reader accepts.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses and validates the header of a file of `file_size` bytes whose first bytes are
// `file_prefix` (at least 8 bytes, and then at least 8 + N). Rules: N ≤ kMaxSafetensorsHeaderBytes;
// the header is UTF-8 JSON starting with '{' (trailing whitespace allowed), an object without
// duplicate keys; `__metadata__`, if present, maps strings to strings; every other key is a
// tensor {"dtype": str, "shape": [uint...], "data_offsets": [begin, end]} (other fields are
// ignored) whose byte count is numel·itemsize; sorted by offset the tensors tile [0, last end)
// with no hole or overlap; and 8 + N + last end == file_size. Every failure is one astraea::Error
// line that starts with `file_name` and names the tensor where there is one.
SafetensorsHeader parse_safetensors_header(std::string_view file_prefix, std::uint64_t file_size,
                                           const std::string& file_name);

// The first 8 + N bytes of a file holding `tensors` (laid out in the given order; their offsets
// must tile the data as parse_safetensors_header requires) and `metadata` (written only when not
// empty, keys in map order): the compact JSON the reference writer produces, right-padded with
// spaces so that 8 + N is a multiple of 8.
std::string serialize_safetensors_header(const std::vector<TensorEntry>& tensors,
                                         const std::map<std::string, std::string>& metadata);

// `text` quoted for an error message on one line: control and non-ASCII bytes become \xNN and
// text longer than `max_chars` is cut with "...".
std::string quote_for_message(std::string_view text, std::size_t max_chars = 120);

}  // namespace astraea::model

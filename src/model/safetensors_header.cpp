#include "model/safetensors_header.h"

#include "core/error.h"

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

namespace astraea::model {
namespace {

struct DtypeInfo {
  Dtype dtype;
  std::string_view name;
  std::size_t bits;
};

constexpr std::array<DtypeInfo, 22> kDtypes{{
    {Dtype::kBool, "BOOL", 8},         {Dtype::kF4, "F4", 4},
    {Dtype::kF6E2M3, "F6_E2M3", 6},    {Dtype::kF6E3M2, "F6_E3M2", 6},
    {Dtype::kU8, "U8", 8},             {Dtype::kI8, "I8", 8},
    {Dtype::kF8E5M2, "F8_E5M2", 8},    {Dtype::kF8E4M3, "F8_E4M3", 8},
    {Dtype::kF8E8M0, "F8_E8M0", 8},    {Dtype::kF8E4M3Fnuz, "F8_E4M3FNUZ", 8},
    {Dtype::kF8E5M2Fnuz, "F8_E5M2FNUZ", 8}, {Dtype::kI16, "I16", 16},
    {Dtype::kU16, "U16", 16},          {Dtype::kF16, "F16", 16},
    {Dtype::kBF16, "BF16", 16},        {Dtype::kI32, "I32", 32},
    {Dtype::kU32, "U32", 32},          {Dtype::kF32, "F32", 32},
    {Dtype::kC64, "C64", 64},          {Dtype::kF64, "F64", 64},
    {Dtype::kI64, "I64", 64},          {Dtype::kU64, "U64", 64},
}};

const DtypeInfo& info(Dtype dtype) { return kDtypes.at(static_cast<std::size_t>(dtype)); }

// Containers opening deeper than this are dropped while parsing and reported, so that a hostile
// header cannot build an arbitrarily deep document; a valid header nests three levels.
constexpr int kMaxJsonDepth = 8;

using Json = nlohmann::json;

// Watches the parser's events for what nlohmann::json accepts silently: a key repeated within
// one object (the DOM keeps the last) and excessive nesting.
class KeyWatcher {
 public:
  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth > kMaxJsonDepth) {
          too_deep_ = true;
          return false;
        }
        if (event == Json::parse_event_t::object_start) objects_.push_back({depth, {}, {}});
        return true;
      case Json::parse_event_t::object_end:
        if (!objects_.empty() && objects_.back().depth == depth) objects_.pop_back();
        return true;
      case Json::parse_event_t::key:
        if (!objects_.empty() && objects_.back().depth + 1 == depth) note_key(parsed.get<std::string>());
        return true;
      default:
        return true;
    }
  }

  const std::string& duplicate() const { return duplicate_; }
  bool too_deep() const { return too_deep_; }

 private:
  struct Object {
    int depth;
    std::set<std::string> keys;
    std::string last_key;
  };

  void note_key(std::string key) {
    auto& object = objects_.back();
    if (!object.keys.insert(key).second && duplicate_.empty()) {
      if (objects_.size() == 1) {
        duplicate_ = fmt::format("key {} appears more than once", quote_for_message(key));
      } else {
        duplicate_ = fmt::format("{} has key {} more than once", quote_for_message(objects_[objects_.size() - 2].last_key),
                                 quote_for_message(key));
      }
    }
    object.last_key = std::move(key);
  }

  std::vector<Object> objects_;
  std::string duplicate_;
  bool too_deep_ = false;
};

// Offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view text) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  while (i < text.size()) {
    const unsigned char c = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    if (byte(i + 1) < low || byte(i + 1) > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

std::string shape_text(const std::vector<std::int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

std::string type_of(const Json& value) {
  if (value.is_number_unsigned()) return "a non-negative integer";
  if (value.is_number_integer()) return "a negative integer";
  if (value.is_number_float()) return "a number that is not a 64-bit integer";
  return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a", value.type_name());
}

std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return std::nullopt;
  return a * b;
}

// numel · itemsize, multiplied left to right as the reference reader does, or nullopt as soon as
// a partial product does not fit 64 bits (even if a later dimension is 0).
std::optional<std::uint64_t> byte_count(const std::vector<std::int64_t>& shape, Dtype dtype) {
  std::optional<std::uint64_t> total = 1;
  for (const auto dim : shape) {
    total = checked_multiply(*total, static_cast<std::uint64_t>(dim));
    if (!total) return std::nullopt;
  }
  return checked_multiply(*total, dtype_itemsize(dtype));
}

std::map<std::string, std::string> read_metadata(const Json& value, const std::string& file) {
  if (!value.is_object()) fail("{}: __metadata__ is {}, not an object of strings", file, type_of(value));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) fail("{}: __metadata__ {} is {}, not a string", file, quote_for_message(key), type_of(item));
    metadata.emplace(key, item.get<std::string>());
  }
  return metadata;
}

TensorEntry read_entry(const std::string& name, const Json& value, const std::string& file) {
  const auto where = fmt::format("{}: tensor {}", file, quote_for_message(name));
  if (!value.is_object()) fail("{}: entry is {}, not an object", where, type_of(value));
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) fail("{}: no '{}'", where, field);
  }
  TensorEntry entry;
  entry.name = name;
  const auto& dtype = value.at("dtype");
  if (!dtype.is_string()) fail("{}: dtype is {}, not a string", where, type_of(dtype));
  const auto parsed = dtype_from_name(dtype.get<std::string>());
  if (!parsed) fail("{}: unknown dtype {}", where, quote_for_message(dtype.get<std::string>()));
  if (!dtype_supported(*parsed)) fail("{}: dtype {} (sub-byte) is not supported", where, dtype_name(*parsed));
  entry.dtype = *parsed;

  const auto& shape = value.at("shape");
  if (!shape.is_array()) fail("{}: shape is {}, not an array", where, type_of(shape));
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned()) fail("{}: shape has {}, not a non-negative integer", where, type_of(dim));
    const auto size = dim.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail("{}: shape dimension {} does not fit a signed 64-bit size", where, size);
    }
    entry.shape.push_back(static_cast<std::int64_t>(size));
  }

  const auto& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2) fail("{}: data_offsets must be an array of two offsets", where);
  for (const auto& offset : offsets) {
    if (!offset.is_number_unsigned()) fail("{}: data_offsets has {}, not a non-negative integer", where, type_of(offset));
  }
  entry.begin = offsets[0].get<std::uint64_t>();
  entry.end = offsets[1].get<std::uint64_t>();
  if (entry.end < entry.begin) fail("{}: data_offsets [{}, {}] end before they begin", where, entry.begin, entry.end);

  const auto needed = byte_count(entry.shape, entry.dtype);
  if (!needed) fail("{}: {} {} has more bytes than 64 bits can count", where, dtype_name(entry.dtype), shape_text(entry.shape));
  if (entry.nbytes() != *needed) {
    fail("{}: data_offsets [{}, {}] hold {} bytes but {} {} needs {}", where, entry.begin, entry.end, entry.nbytes(),
         dtype_name(entry.dtype), shape_text(entry.shape), *needed);
  }
  return entry;
}

bool offset_order(const TensorEntry& a, const TensorEntry& b) {
  return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
}

// Checks that `tensors` (in order) tile [0, last end); returns the last end.
std::uint64_t check_tiling(const std::vector<TensorEntry>& tensors, const std::string& file) {
  std::uint64_t next = 0;
  const TensorEntry* previous = nullptr;
  for (const auto& t : tensors) {
    if (t.begin > next) {
      fail("{}: tensor {}: data_offsets [{}, {}] leave bytes [{}, {}) that belong to no tensor", file,
           quote_for_message(t.name), t.begin, t.end, next, t.begin);
    }
    if (t.begin < next) {
      fail("{}: tensor {}: data_offsets [{}, {}] overlap tensor {}, which ends at {}", file, quote_for_message(t.name),
           t.begin, t.end, quote_for_message(previous->name), next);
    }
    next = t.end;
    previous = &t;
  }
  return next;
}

std::string json_string(const std::string& text, std::string_view what) {
  try {
    return Json(text).dump();
  } catch (const Json::exception&) {
    fail("safetensors header: {} {} is not valid UTF-8", what, quote_for_message(text));
  }
}

}  // namespace

std::string_view dtype_name(Dtype dtype) { return info(dtype).name; }

std::optional<Dtype> dtype_from_name(std::string_view name) {
  for (const auto& d : kDtypes) {
    if (d.name == name) return d.dtype;
  }
  return std::nullopt;
}

bool dtype_supported(Dtype dtype) { return info(dtype).bits % 8 == 0; }

std::size_t dtype_itemsize(Dtype dtype) {
  if (!dtype_supported(dtype)) fail("dtype {} (sub-byte) is not supported", dtype_name(dtype));
  return info(dtype).bits / 8;
}

std::string quote_for_message(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  std::size_t count = 0;
  for (const char ch : text) {
    if (count++ == max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out + "'";
}

SafetensorsHeader parse_safetensors_header(std::string_view file_prefix, std::uint64_t file_size,
                                           const std::string& file_name) {
  const std::string& file = file_name;
  if (file_size < 8) fail("{}: file is {} bytes, too short for the 8-byte header length", file, file_size);
  if (file_prefix.size() < 8) fail("{}: only {} of the first 8 bytes were read", file, file_prefix.size());
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(file_prefix[i]);
  if (length > kMaxSafetensorsHeaderBytes) {
    fail("{}: header length {} exceeds the limit of {} bytes", file, length, kMaxSafetensorsHeaderBytes);
  }
  if (length > file_size - 8) fail("{}: header length {} runs past the end of the {}-byte file", file, length, file_size);
  if (file_prefix.size() - 8 < length) fail("{}: only {} of the {} header bytes were read", file, file_prefix.size() - 8, length);

  const auto text = file_prefix.substr(8, length);
  if (const auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    fail("{}: header is not valid UTF-8 (file byte {})", file, 8 + bad);
  }
  if (text.empty() || text.front() != '{') fail("{}: header does not start with '{{'", file);

  KeyWatcher watcher;
  Json root;
  try {
    root = Json::parse(text.begin(), text.end(), std::ref(watcher));
  } catch (const Json::exception& e) {
    fail("{}: header is not valid JSON: {}", file, quote_for_message(e.what(), 300));
  }
  if (!watcher.duplicate().empty()) fail("{}: header {}", file, watcher.duplicate());
  if (watcher.too_deep()) fail("{}: header nests JSON deeper than {} levels", file, kMaxJsonDepth);
  if (!root.is_object()) fail("{}: header is {}, not an object", file, type_of(root));

  SafetensorsHeader header;
  header.data_offset = 8 + length;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      header.metadata = read_metadata(value, file);
    } else {
      header.tensors.push_back(read_entry(key, value, file));
    }
  }
  std::sort(header.tensors.begin(), header.tensors.end(), offset_order);
  const auto data_bytes = check_tiling(header.tensors, file);
  if (data_bytes != file_size - header.data_offset) {
    fail("{}: header describes {} bytes of tensor data but the file has {} after the {}-byte header", file, data_bytes,
         file_size - header.data_offset, header.data_offset);
  }
  return header;
}

std::string serialize_safetensors_header(const std::vector<TensorEntry>& tensors,
                                         const std::map<std::string, std::string>& metadata) {
  std::set<std::string_view> names;
  std::uint64_t next = 0;
  for (const auto& t : tensors) {
    const auto where = fmt::format("safetensors header: tensor {}", quote_for_message(t.name));
    if (t.name == "__metadata__") fail("{}: the name is reserved for the metadata", where);
    if (!names.insert(t.name).second) fail("{}: the name appears more than once", where);
    if (!dtype_supported(t.dtype)) fail("{}: dtype {} (sub-byte) is not supported", where, dtype_name(t.dtype));
    for (const auto dim : t.shape) {
      if (dim < 0) fail("{}: negative dimension in shape {}", where, shape_text(t.shape));
    }
    if (t.begin != next || t.end < t.begin) {
      fail("{}: data_offsets [{}, {}] do not start where the previous tensor ends ({})", where, t.begin, t.end, next);
    }
    const auto needed = byte_count(t.shape, t.dtype);
    if (!needed) fail("{}: {} {} has more bytes than 64 bits can count", where, dtype_name(t.dtype), shape_text(t.shape));
    if (t.nbytes() != *needed) {
      fail("{}: data_offsets [{}, {}] hold {} bytes but {} {} needs {}", where, t.begin, t.end, t.nbytes(),
           dtype_name(t.dtype), shape_text(t.shape), *needed);
    }
    next = t.end;
  }

  std::string json = "{";
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) json += ',';
      first = false;
      json += json_string(key, "metadata key");
      json += ':';
      json += json_string(value, "metadata value");
    }
    json += '}';
  }
  for (const auto& t : tensors) {
    if (json.size() > 1) json += ',';
    json += json_string(t.name, "tensor name");
    json += fmt::format(R"(:{{"dtype":"{}","shape":[{}],"data_offsets":[{},{}]}})", dtype_name(t.dtype),
                        fmt::join(t.shape, ","), t.begin, t.end);
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out(8, '\0');
  std::uint64_t length = json.size();
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(length & 0xFF);
    length >>= 8;
  }
  return out + json;
}

}  // namespace astraea::model

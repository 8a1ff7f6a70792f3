// parse_safetensors_header and serialize_safetensors_header against hand-built files: each
// malformed header must fail with the exact one-line message.
#include "model/safetensors_header.h"

#include "core/error.h"
#include "support/catch.h"

#include <cstdint>
#include <optional>
#include <string>

namespace {

using astraea::model::Dtype;
using astraea::model::parse_safetensors_header;
using astraea::model::SafetensorsHeader;
using astraea::model::serialize_safetensors_header;
using astraea::model::TensorEntry;

// `u64 length` (little-endian) ‖ json ‖ data; the length is json.size() unless given.
std::string file_bytes(const std::string& json, const std::string& data = "", std::optional<std::uint64_t> length = {}) {
  std::uint64_t n = length.value_or(json.size());
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>(n & 0xFF);
    n >>= 8;
  }
  return out + json + data;
}

SafetensorsHeader parse(const std::string& bytes) {
  return parse_safetensors_header(bytes, bytes.size(), "model.safetensors");
}

// The message of the astraea::Error that parsing `bytes` throws ("" if it parses).
std::string error_of(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const astraea::Error& e) {
    return e.what();
  }
  return "";
}

std::string tensor(const std::string& name, const std::string& dtype, const std::string& shape, int begin, int end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

}  // namespace

TEST_CASE("a valid header parses into sorted entries, metadata and the data offset", "[safetensors]") {
  const std::string json = "{\"__metadata__\":{\"format\":\"pt\",\"k\":\"v\"}," + tensor("b", "F32", "[2,3]", 0, 24) + "," +
                           tensor("a", "I64", "[]", 24, 32) + "," + tensor("z", "U8", "[0,5]", 32, 32) + "}   ";
  const auto header = parse(file_bytes(json, std::string(32, 'x')));
  REQUIRE(header.data_offset == 8 + json.size());
  REQUIRE(header.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"k", "v"}});
  REQUIRE(header.tensors.size() == 3);
  CHECK(header.tensors[0].name == "b");
  CHECK(header.tensors[0].dtype == Dtype::kF32);
  CHECK(header.tensors[0].shape == std::vector<std::int64_t>{2, 3});
  CHECK(header.tensors[1].name == "a");
  CHECK(header.tensors[1].shape.empty());
  CHECK(header.tensors[1].begin == 24);
  CHECK(header.tensors[1].end == 32);
  CHECK(header.tensors[2].name == "z");
  CHECK(header.tensors[2].nbytes() == 0);
}

TEST_CASE("an empty header and zero-byte tensors are valid", "[safetensors]") {
  CHECK(parse(file_bytes("{}")).tensors.empty());
  const auto header = parse(file_bytes("{" + tensor("e", "F16", "[3,0]", 0, 0) + "," + tensor("f", "BF16", "[1]", 0, 2) + "}", ".."));
  REQUIRE(header.tensors.size() == 2);
  CHECK(header.tensors[0].name == "e");
  CHECK(header.tensors[1].name == "f");
  CHECK(header.metadata.empty());
}

TEST_CASE("length prefix errors", "[safetensors]") {
  CHECK(error_of("\x01\x02\x03\x04\x05") == "model.safetensors: file is 5 bytes, too short for the 8-byte header length");
  CHECK(error_of(file_bytes("{}", "", 100)) == "model.safetensors: header length 100 runs past the end of the 10-byte file");
  CHECK(error_of(file_bytes("{}", "", 100'000'001)) ==
        "model.safetensors: header length 100000001 exceeds the limit of 100000000 bytes");
  CHECK(error_of(file_bytes("{}", "", 18446744073709551614ULL)) ==
        "model.safetensors: header length 18446744073709551614 exceeds the limit of 100000000 bytes");
  const auto bytes = file_bytes("{}");
  CHECK_THROWS_WITH(parse_safetensors_header(bytes.substr(0, 9), bytes.size(), "m"), "m: only 1 of the 2 header bytes were read");
}

TEST_CASE("header text errors", "[safetensors]") {
  CHECK(error_of(file_bytes(" {}")) == "model.safetensors: header does not start with '{'");
  CHECK(error_of(file_bytes("")) == "model.safetensors: header does not start with '{'");
  CHECK(error_of(file_bytes("{\"a\xff\":1}")) == "model.safetensors: header is not valid UTF-8 (file byte 11)");
  CHECK(error_of(file_bytes("{\"\xed\xa0\x80\":1}")) == "model.safetensors: header is not valid UTF-8 (file byte 10)");
  CHECK(error_of(file_bytes("[]")) == "model.safetensors: header does not start with '{'");

  const auto bad_json = error_of(file_bytes("{\"a\":\n"));
  CHECK(bad_json.starts_with("model.safetensors: header is not valid JSON: '[json.exception.parse_error.101]"));
  CHECK(bad_json.find('\n') == std::string::npos);
  CHECK(error_of(file_bytes("{}  x")).starts_with("model.safetensors: header is not valid JSON: "));
  CHECK(error_of(file_bytes("{\"a\":1e999}")).starts_with("model.safetensors: header is not valid JSON: "));
  CHECK(error_of(file_bytes("{\"a\":[[[[[[[[[[1]]]]]]]]]]}")) == "model.safetensors: header nests JSON deeper than 8 levels");
}

TEST_CASE("duplicate keys are errors at every level", "[safetensors]") {
  const auto a = tensor("a", "U8", "[1]", 0, 1);
  CHECK(error_of(file_bytes("{" + a + "," + a + "}", "x")) == "model.safetensors: header key 'a' appears more than once");
  CHECK(error_of(file_bytes("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "x")) ==
        "model.safetensors: header 'a' has key 'dtype' more than once");
  CHECK(error_of(file_bytes("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}")) ==
        "model.safetensors: header '__metadata__' has key 'k' more than once");
  CHECK(error_of(file_bytes("{\"__metadata__\":{},\"__metadata__\":{}}")) ==
        "model.safetensors: header key '__metadata__' appears more than once");
}

TEST_CASE("metadata must map strings to strings", "[safetensors]") {
  CHECK(error_of(file_bytes("{\"__metadata__\":{\"a\":1}}")) ==
        "model.safetensors: __metadata__ 'a' is a non-negative integer, not a string");
  CHECK(error_of(file_bytes("{\"__metadata__\":{\"a\":null}}")) == "model.safetensors: __metadata__ 'a' is a null, not a string");
  CHECK(error_of(file_bytes("{\"__metadata__\":[\"a\"]}")) ==
        "model.safetensors: __metadata__ is an array, not an object of strings");
}

TEST_CASE("entry field errors name the tensor", "[safetensors]") {
  const std::string p = "model.safetensors: tensor 'w': ";
  CHECK(error_of(file_bytes("{\"w\":1}")) == p + "entry is a non-negative integer, not an object");
  CHECK(error_of(file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[]}}")) == p + "no 'data_offsets'");
  CHECK(error_of(file_bytes("{" + tensor("w", "F12", "[1]", 0, 4) + "}", "1234")) == p + "unknown dtype 'F12'");
  CHECK(error_of(file_bytes("{" + tensor("w", "f32", "[1]", 0, 4) + "}", "1234")) == p + "unknown dtype 'f32'");
  CHECK(error_of(file_bytes("{" + tensor("w", "F4", "[2]", 0, 1) + "}", "1")) == p + "dtype F4 (sub-byte) is not supported");
  CHECK(error_of(file_bytes("{\"w\":{\"dtype\":7,\"shape\":[],\"data_offsets\":[0,4]}}", "1234")) ==
        p + "dtype is a non-negative integer, not a string");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "[-1]", 0, 4) + "}", "1234")) ==
        p + "shape has a negative integer, not a non-negative integer");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "[1.0]", 0, 4) + "}", "1234")) ==
        p + "shape has a number that is not a 64-bit integer, not a non-negative integer");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "4", 0, 4) + "}", "1234")) == p + "shape is a non-negative integer, not an array");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "[9223372036854775808]", 0, 4) + "}", "1234")) ==
        p + "shape dimension 9223372036854775808 does not fit a signed 64-bit size");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "[4294967296,4294967296,0]", 0, 0) + "}")) ==
        p + "F32 [4294967296,4294967296,0] has more bytes than 64 bits can count");
  CHECK(error_of(file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "1234")) ==
        p + "data_offsets must be an array of two offsets");
  CHECK(error_of(file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", "1234")) ==
        p + "data_offsets has a string, not a non-negative integer");
  CHECK(error_of(file_bytes("{" + tensor("w", "F32", "[1]", 4, 0) + "}", "1234")) == p + "data_offsets [4, 0] end before they begin");
}

TEST_CASE("a byte count that does not match dtype and shape", "[safetensors]") {
  CHECK(error_of(file_bytes("{" + tensor("proj_out.weight", "F32", "[2,3]", 0, 10) + "}", std::string(10, '\0'))) ==
        "model.safetensors: tensor 'proj_out.weight': data_offsets [0, 10] hold 10 bytes but F32 [2,3] needs 24");
  CHECK(error_of(file_bytes("{" + tensor("s", "C64", "[]", 0, 4) + "}", "1234")) ==
        "model.safetensors: tensor 's': data_offsets [0, 4] hold 4 bytes but C64 [] needs 8");
}

TEST_CASE("tensors must tile the data without holes or overlaps", "[safetensors]") {
  CHECK(error_of(file_bytes("{" + tensor("a", "F32", "[1]", 0, 4) + "," + tensor("b", "F32", "[1]", 8, 12) + "}",
                            std::string(12, '\0'))) ==
        "model.safetensors: tensor 'b': data_offsets [8, 12] leave bytes [4, 8) that belong to no tensor");
  CHECK(error_of(file_bytes("{" + tensor("a", "F32", "[1]", 4, 8) + "}", std::string(8, '\0'))) ==
        "model.safetensors: tensor 'a': data_offsets [4, 8] leave bytes [0, 4) that belong to no tensor");
  CHECK(error_of(file_bytes("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 4, 12) + "}",
                            std::string(12, '\0'))) ==
        "model.safetensors: tensor 'b': data_offsets [4, 12] overlap tensor 'a', which ends at 8");
  CHECK(error_of(file_bytes("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 0, 8) + "}",
                            std::string(8, '\0'))) ==
        "model.safetensors: tensor 'b': data_offsets [0, 8] overlap tensor 'a', which ends at 8");
}

TEST_CASE("the data must end exactly at the end of the file", "[safetensors]") {
  const std::string json = "{" + tensor("a", "F32", "[2,3]", 0, 24) + "}";
  const auto header_bytes = std::to_string(8 + json.size());
  CHECK(error_of(file_bytes(json, std::string(25, '\0'))) == "model.safetensors: header describes 24 bytes of tensor data but "
                                                             "the file has 25 after the " + header_bytes + "-byte header");
  CHECK(error_of(file_bytes(json, std::string(23, '\0'))) == "model.safetensors: header describes 24 bytes of tensor data but "
                                                             "the file has 23 after the " + header_bytes + "-byte header");
  CHECK(error_of(file_bytes("{}", "x")) == "model.safetensors: header describes 0 bytes of tensor data but the file has 1 after the 10-byte header");
}

TEST_CASE("names in messages stay on one line", "[safetensors]") {
  const auto message = error_of(file_bytes("{" + tensor("a\\nb\\u0000", "F12", "[1]", 0, 4) + "}", "1234"));
  CHECK(message == "model.safetensors: tensor 'a\\x0ab\\x00': unknown dtype 'F12'");
  const auto long_name = std::string(500, 'n');
  const auto long_message = error_of(file_bytes("{" + tensor(long_name, "F12", "[1]", 0, 4) + "}", "1234"));
  CHECK(long_message == "model.safetensors: tensor '" + std::string(120, 'n') + "...': unknown dtype 'F12'");
}

TEST_CASE("dtype names, ranks and sizes", "[safetensors]") {
  using astraea::model::dtype_from_name;
  using astraea::model::dtype_itemsize;
  using astraea::model::dtype_name;
  const std::vector<std::pair<std::string, std::size_t>> expected{
      {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1}, {"F8_E4M3FNUZ", 1},
      {"F8_E5M2FNUZ", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4},
      {"F32", 4}, {"C64", 8}, {"F64", 8}, {"I64", 8}, {"U64", 8}};
  int previous_rank = -1;
  for (const auto& [name, size] : expected) {
    const auto dtype = dtype_from_name(name);
    REQUIRE(dtype);
    CHECK(dtype_name(*dtype) == name);
    CHECK(dtype_itemsize(*dtype) == size);
    CHECK(static_cast<int>(*dtype) > previous_rank);
    previous_rank = static_cast<int>(*dtype);
  }
  for (const char* name : {"F4", "F6_E2M3", "F6_E3M2"}) {
    const auto dtype = dtype_from_name(name);
    REQUIRE(dtype);
    CHECK_FALSE(astraea::model::dtype_supported(*dtype));
    CHECK_THROWS_WITH(dtype_itemsize(*dtype), std::string("dtype ") + name + " (sub-byte) is not supported");
  }
  CHECK_FALSE(dtype_from_name("bf16"));
}

TEST_CASE("serialization writes the reference layout and parses back", "[safetensors]") {
  const std::vector<TensorEntry> entries{{"w", Dtype::kBF16, {2}, 0, 4}, {"b\"\n", Dtype::kU8, {3, 1}, 4, 7}};
  const auto prefix = serialize_safetensors_header(entries, {{"format", "pt"}});
  const std::string json = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},)"
                           R"("b\"\n":{"dtype":"U8","shape":[3,1],"data_offsets":[4,7]}})";
  const auto padding = (8 - json.size() % 8) % 8;
  CHECK(prefix == file_bytes(json + std::string(padding, ' ')));
  CHECK(prefix.size() % 8 == 0);

  const auto header = parse(prefix + "1234567");
  REQUIRE(header.tensors.size() == 2);
  CHECK(header.tensors[1].name == "b\"\n");
  CHECK(header.tensors[1].shape == std::vector<std::int64_t>{3, 1});
  CHECK(header.metadata.at("format") == "pt");
  CHECK(serialize_safetensors_header({}, {}) == file_bytes("{}      "));
}

TEST_CASE("serialization rejects entries that do not describe a valid file", "[safetensors]") {
  CHECK_THROWS_WITH(serialize_safetensors_header({{"a", Dtype::kF32, {1}, 0, 4}, {"a", Dtype::kF32, {1}, 4, 8}}, {}),
                    "safetensors header: tensor 'a': the name appears more than once");
  CHECK_THROWS_WITH(serialize_safetensors_header({{"__metadata__", Dtype::kF32, {1}, 0, 4}}, {}),
                    "safetensors header: tensor '__metadata__': the name is reserved for the metadata");
  CHECK_THROWS_WITH(serialize_safetensors_header({{"a", Dtype::kF32, {2}, 0, 4}}, {}),
                    "safetensors header: tensor 'a': data_offsets [0, 4] hold 4 bytes but F32 [2] needs 8");
  CHECK_THROWS_WITH(serialize_safetensors_header({{"a", Dtype::kF32, {1}, 0, 4}, {"b", Dtype::kF32, {1}, 8, 12}}, {}),
                    "safetensors header: tensor 'b': data_offsets [8, 12] do not start where the previous tensor ends (4)");
  CHECK_THROWS_WITH(serialize_safetensors_header({{"a\xff", Dtype::kF32, {1}, 0, 4}}, {}),
                    "safetensors header: tensor name 'a\\xff' is not valid UTF-8");
}

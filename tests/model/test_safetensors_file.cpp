// SafetensorsFile and save_safetensors: bit-exact round trips for every supported dtype, the
// reference layout, a file written by the Python safetensors package, and error messages.
#include "model/safetensors_file.h"

#include "core/error.h"
#include "support/catch.h"
#include "support/temp_dir.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <utility>

namespace {

using astraea::model::Dtype;
using astraea::model::SafetensorsFile;
using astraea::model::save_safetensors;

constexpr const char* kFixture = "tests/fixtures/cogvideox_tiny.safetensors";

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string tensor_bytes(const at::Tensor& t) {
  const auto c = t.contiguous();
  return std::string(static_cast<const char*>(c.const_data_ptr()), c.nbytes());
}

// A [3, 5] tensor of `type` whose bytes are `bytes` (15 · itemsize of them).
at::Tensor from_bytes(const std::string& bytes, at::ScalarType type) {
  auto t = at::empty({3, 5}, at::TensorOptions().dtype(type));
  REQUIRE(t.nbytes() == bytes.size());
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const astraea::Error& e) {
    return e.what();
  }
  return "";
}

const std::vector<std::pair<Dtype, at::ScalarType>> kSupported{
    {Dtype::kBool, at::kBool},         {Dtype::kU8, at::kByte},
    {Dtype::kI8, at::kChar},           {Dtype::kI16, at::kShort},
    {Dtype::kU16, at::kUInt16},        {Dtype::kF16, at::kHalf},
    {Dtype::kBF16, at::kBFloat16},     {Dtype::kI32, at::kInt},
    {Dtype::kU32, at::kUInt32},        {Dtype::kF32, at::kFloat},
    {Dtype::kF64, at::kDouble},        {Dtype::kI64, at::kLong},
    {Dtype::kU64, at::kUInt64},        {Dtype::kC64, at::kComplexFloat},
    {Dtype::kF8E4M3, at::kFloat8_e4m3fn}, {Dtype::kF8E5M2, at::kFloat8_e5m2},
    {Dtype::kF8E8M0, at::kFloat8_e8m0fnu}, {Dtype::kF8E4M3Fnuz, at::kFloat8_e4m3fnuz},
    {Dtype::kF8E5M2Fnuz, at::kFloat8_e5m2fnuz},
};

}  // namespace

TEST_CASE("every supported dtype maps to LibTorch and back", "[safetensors]") {
  for (const auto& [dtype, type] : kSupported) {
    CHECK(astraea::model::to_scalar_type(dtype) == type);
    CHECK(astraea::model::to_safetensors_dtype(type) == dtype);
    CHECK(at::elementSize(type) == astraea::model::dtype_itemsize(dtype));
  }
  CHECK_THROWS_WITH(astraea::model::to_safetensors_dtype(at::kComplexDouble),
                    "LibTorch dtype ComplexDouble has no safetensors equivalent");
  CHECK_THROWS_WITH(astraea::model::to_scalar_type(Dtype::kF4), "safetensors dtype F4 has no LibTorch equivalent");
}

TEST_CASE("random bytes of every dtype survive a write and read bit for bit", "[safetensors]") {
  astraea::testing::TempDir dir;
  std::mt19937 random(20261127);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  std::map<std::string, std::string> expected;
  for (const auto& [dtype, type] : kSupported) {
    std::string bytes(15 * at::elementSize(type), '\0');
    for (auto& b : bytes) b = static_cast<char>(type == at::kBool ? random() % 2 : random() % 256);
    const auto name = "t." + std::string(astraea::model::dtype_name(dtype));
    expected[name] = bytes;
    tensors.emplace_back(name, from_bytes(bytes, type));
  }
  tensors.emplace_back("scalar", at::full({}, 2.5, at::kDouble));
  tensors.emplace_back("empty", at::empty({0, 3}, at::kFloat));
  const auto base = at::arange(12, at::kInt).reshape({3, 4});
  tensors.emplace_back("transposed", base.t());
  const auto path = dir.path() / "all.safetensors";
  save_safetensors(path, tensors, {{"format", "pt"}, {"note", "line\nbreak \"quoted\""}});

  const SafetensorsFile file(path);
  CHECK(file.metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"note", "line\nbreak \"quoted\""}});
  CHECK(file.header().data_offset % 8 == 0);
  for (const auto& [name, bytes] : expected) {
    const auto t = file.tensor(name);
    CHECK(t.sizes() == at::IntArrayRef({3, 5}));
    CHECK(t.device() == at::Device(at::kCPU));
    CHECK(tensor_bytes(t) == bytes);
    CHECK(std::string(file.bytes(name)) == bytes);
  }
  CHECK(file.tensor("scalar").dim() == 0);
  CHECK(file.tensor("scalar").item<double>() == 2.5);
  CHECK(file.tensor("empty").sizes() == at::IntArrayRef({0, 3}));
  CHECK(at::equal(file.tensor("transposed"), base.t()));
  CHECK(file.entry("transposed").shape == std::vector<std::int64_t>{4, 3});
  CHECK(file.has("scalar"));
  CHECK_FALSE(file.has("missing"));
  const auto names = file.names();
  CHECK(names.size() == kSupported.size() + 3);
  CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("the writer orders tensors by descending dtype rank, then name, and pads the header", "[safetensors]") {
  astraea::testing::TempDir dir;
  const auto path = dir.path() / "order.safetensors";
  save_safetensors(path, {{"b", at::zeros({1}, at::kFloat)},
                          {"a", at::zeros({1}, at::kFloat)},
                          {"u", at::zeros({3}, at::kByte)},
                          {"z", at::zeros({1}, at::kLong)},
                          {"h", at::zeros({1}, at::kBFloat16)},
                          {"c", at::zeros({1}, at::kComplexFloat)}});
  const auto bytes = read_bytes(path);
  const std::string json =
      R"({"z":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"c":{"dtype":"C64","shape":[1],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},)"
      R"("h":{"dtype":"BF16","shape":[1],"data_offsets":[24,26]},"u":{"dtype":"U8","shape":[3],"data_offsets":[26,29]}})";
  const auto n = json.size() + (8 - json.size() % 8) % 8;
  REQUIRE(bytes.size() == 8 + n + 29);
  CHECK(static_cast<unsigned char>(bytes[0]) == n % 256);
  CHECK(static_cast<unsigned char>(bytes[1]) == n / 256);
  CHECK(bytes.substr(2, 6) == std::string(6, '\0'));
  CHECK(bytes.substr(8, n) == json + std::string(n - json.size(), ' '));
}

TEST_CASE("tensors at unaligned offsets are read correctly", "[safetensors]") {
  astraea::testing::TempDir dir;
  const std::vector<astraea::model::TensorEntry> entries{{"byte", Dtype::kU8, {1}, 0, 1}, {"f", Dtype::kF32, {3}, 1, 13}};
  const float values[3] = {1.5f, -2.25f, 1e30f};
  std::string data(1, '\x7f');
  data.append(reinterpret_cast<const char*>(values), sizeof(values));
  const auto path = dir.path() / "unaligned.safetensors";
  write_bytes(path, astraea::model::serialize_safetensors_header(entries, {}) + data);
  const SafetensorsFile file(path);
  const auto f = file.tensor("f");
  REQUIRE(f.scalar_type() == at::kFloat);
  CHECK(f[0].item<float>() == 1.5f);
  CHECK(f[1].item<float>() == -2.25f);
  CHECK(f[2].item<float>() == 1e30f);
  CHECK(file.tensor("byte").item<std::uint8_t>() == 0x7f);
}

TEST_CASE("a file written by the Python safetensors package reads and re-writes identically", "[safetensors]") {
  const SafetensorsFile fixture(kFixture);
  const auto names = fixture.names();
  CHECK(std::find(names.begin(), names.end(), "proj_out.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "oracle.output") != names.end());
  CHECK(fixture.metadata().at("diffusers_version") == "0.42.1");
  CHECK(fixture.entry("oracle.output").shape == std::vector<std::int64_t>{2, 1, 4, 8, 8});
  CHECK(fixture.entry("oracle.timestep_int").dtype == Dtype::kI64);
  CHECK(fixture.tensor("oracle.timestep_int")[1].item<std::int64_t>() == 713);

  astraea::testing::TempDir dir;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& name : names) tensors.emplace_back(name, fixture.tensor(name));
  const auto copy_path = dir.path() / "copy.safetensors";
  save_safetensors(copy_path, tensors, fixture.metadata());
  const SafetensorsFile copy(copy_path);
  CHECK(copy.names() == names);
  CHECK(copy.metadata() == fixture.metadata());
  for (const auto& name : names) {
    INFO(name);
    CHECK(copy.entry(name).begin == fixture.entry(name).begin);
    CHECK(std::string(copy.bytes(name)) == std::string(fixture.bytes(name)));
  }
  // Both writers order metadata by key here, so the whole files match.
  CHECK(read_bytes(copy_path) == read_bytes(kFixture));
}

TEST_CASE("opening errors name the path", "[safetensors]") {
  astraea::testing::TempDir dir;
  const auto missing = (dir.path() / "nope.safetensors").string();
  CHECK(error_of([&] { SafetensorsFile f(missing); }) == "cannot open safetensors file '" + missing + "': No such file or directory");
  CHECK(error_of([&] { SafetensorsFile f(dir.path()); }) == "safetensors file '" + dir.path().string() + "' is not a regular file");
  const auto empty = dir.write("empty.safetensors", "");
  CHECK(error_of([&] { SafetensorsFile f(empty); }) == empty.string() + ": file is 0 bytes, too short for the 8-byte header length");
  const auto corrupt = dir.path() / "corrupt.safetensors";
  write_bytes(corrupt, std::string("\x02\0\0\0\0\0\0\0{}x", 11));
  CHECK(error_of([&] { SafetensorsFile f(corrupt); }) ==
        corrupt.string() + ": header describes 0 bytes of tensor data but the file has 1 after the 10-byte header");
  const SafetensorsFile fixture(kFixture);
  CHECK(error_of([&] { fixture.tensor("nope"); }) == std::string(kFixture) + ": no tensor 'nope'");
}

TEST_CASE("a moved file keeps its mapping", "[safetensors]") {
  SafetensorsFile first(kFixture);
  const auto expected = first.tensor("proj_out.weight");
  SafetensorsFile second(std::move(first));
  CHECK(at::equal(second.tensor("proj_out.weight"), expected));
  SafetensorsFile third(kFixture);
  third = std::move(second);
  CHECK(at::equal(third.tensor("proj_out.weight"), expected));
  CHECK(third.path().string() == kFixture);
}

TEST_CASE("writing errors name the path and the tensor", "[safetensors]") {
  astraea::testing::TempDir dir;
  const auto path = dir.path() / "bad.safetensors";
  const auto p = path.string();
  CHECK(error_of([&] { save_safetensors(path, {{"a", at::zeros({1})}, {"a", at::zeros({1})}}); }) ==
        p + ": tensor 'a': the name appears more than once");
  CHECK(error_of([&] { save_safetensors(path, {{"c", at::zeros({1}, at::kComplexDouble)}}); }) ==
        p + ": tensor 'c': LibTorch dtype ComplexDouble has no safetensors equivalent");
  CHECK(error_of([&] { save_safetensors(path, {{"u", at::Tensor()}}); }) == p + ": tensor 'u': the tensor is undefined");
  CHECK(error_of([&] { save_safetensors(path, {{"__metadata__", at::zeros({1})}}); }) ==
        p + ": safetensors header: tensor '__metadata__': the name is reserved for the metadata");
  const auto nowhere = dir.path() / "no" / "dir.safetensors";
  CHECK(error_of([&] { save_safetensors(nowhere, {{"a", at::zeros({1})}}); }) ==
        "cannot write safetensors file '" + nowhere.string() + "': No such file or directory");
}

// TensorSource over single files, sharded indexes and directories, and strict load_state_dict.
#include "model/checkpoint.h"

#include "core/error.h"
#include "support/catch.h"
#include "support/temp_dir.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using astraea::model::load_state_dict;
using astraea::model::save_safetensors;
using astraea::model::TensorSource;
using Named = std::vector<std::pair<std::string, at::Tensor>>;

// Two linear layers and an integer buffer.
struct Net : torch::nn::Module {
  Net() {
    fc1 = register_module("fc1", torch::nn::Linear(3, 4));
    fc2 = register_module("fc2", torch::nn::Linear(4, 2));
    steps = register_buffer("steps", at::zeros({2}, at::kLong));
  }
  torch::nn::Linear fc1{nullptr};
  torch::nn::Linear fc2{nullptr};
  at::Tensor steps;
};

// Values for every tensor of Net, distinct from a fresh Net's.
std::map<std::string, at::Tensor> net_values() {
  at::manual_seed(7);
  return {{"fc1.weight", at::randn({4, 3})}, {"fc1.bias", at::randn({4})},   {"fc2.weight", at::randn({2, 4})},
          {"fc2.bias", at::randn({2})},     {"steps", at::tensor({5, 9}, at::kLong)}};
}

Named pick(const std::map<std::string, at::Tensor>& values, const std::vector<std::string>& names, const std::string& prefix = "") {
  Named out;
  for (const auto& name : names) out.emplace_back(prefix + name, values.at(name));
  return out;
}

const std::vector<std::string> kShard1{"fc1.weight", "fc1.bias"};
const std::vector<std::string> kShard2{"fc2.weight", "fc2.bias", "steps"};
constexpr const char* kShard1Name = "diffusion_pytorch_model-00001-of-00002.safetensors";
constexpr const char* kShard2Name = "diffusion_pytorch_model-00002-of-00002.safetensors";

// Writes both shards of net_values() and the diffusers index mapping `map_extra` too; returns the index path.
fs::path write_sharded(const fs::path& dir, const std::map<std::string, std::string>& map_extra = {}) {
  const auto values = net_values();
  save_safetensors(dir / kShard1Name, pick(values, kShard1));
  save_safetensors(dir / kShard2Name, pick(values, kShard2));
  nlohmann::json index;
  index["metadata"]["total_size"] = 0;
  for (const auto& name : kShard1) index["weight_map"][name] = kShard1Name;
  for (const auto& name : kShard2) index["weight_map"][name] = kShard2Name;
  for (const auto& [name, shard] : map_extra) index["weight_map"][name] = shard;
  const auto path = dir / "diffusion_pytorch_model.safetensors.index.json";
  std::ofstream(path) << index.dump(2);
  return path;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const astraea::Error& e) {
    return e.what();
  }
  return "";
}

void check_loaded(Net& net, at::ScalarType dtype) {
  for (const auto& [name, value] : net_values()) {
    INFO(name);
    const at::Tensor loaded = name == "steps" ? net.steps : net.named_parameters()[name];
    CHECK(loaded.scalar_type() == (name == "steps" ? at::kLong : dtype));
    CHECK(at::equal(loaded, value.to(loaded.scalar_type())));
  }
}

}  // namespace

TEST_CASE("a single file loads into the module in place", "[checkpoint]") {
  astraea::testing::TempDir dir;
  const auto path = dir.path() / "net.safetensors";
  const auto values = net_values();
  save_safetensors(path, pick(values, {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "steps"}));
  Net net;
  const auto* weight_impl = net.fc1->weight.unsafeGetTensorImpl();
  const TensorSource source(path);
  CHECK(source.names() == std::vector<std::string>{"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "steps"});
  load_state_dict(net, source, at::kFloat, at::kCPU);
  check_loaded(net, at::kFloat);
  CHECK(net.fc1->weight.unsafeGetTensorImpl() == weight_impl);
  CHECK(net.fc1->weight.requires_grad());
  CHECK(at::allclose(net.fc2->forward(net.fc1->forward(at::ones({1, 3}))),
                     at::linear(at::linear(at::ones({1, 3}), values.at("fc1.weight"), values.at("fc1.bias")),
                                values.at("fc2.weight"), values.at("fc2.bias"))));

  load_state_dict(net, source, at::kDouble, at::kCPU);
  check_loaded(net, at::kDouble);
}

TEST_CASE("file BF16 tensors convert to the requested dtype", "[checkpoint]") {
  astraea::testing::TempDir dir;
  Named tensors;
  for (const auto& [name, value] : net_values()) {
    tensors.emplace_back(name, value.is_floating_point() ? value.to(at::kBFloat16) : value);
  }
  const auto path = dir.path() / "bf16.safetensors";
  save_safetensors(path, tensors);
  Net net;
  load_state_dict(net, TensorSource(path), at::kFloat, at::kCPU);
  for (const auto& [name, value] : tensors) {
    if (name == "steps") continue;
    const auto loaded = net.named_parameters()[name];
    CHECK(loaded.scalar_type() == at::kFloat);
    CHECK(at::equal(loaded, value.to(at::kFloat)));
  }
}

TEST_CASE("sharded checkpoints load through the index or its directory", "[checkpoint]") {
  astraea::testing::TempDir dir;
  const auto index = write_sharded(dir.path());
  save_safetensors(dir.path() / "unrelated.safetensors", {{"x", at::zeros({1})}});
  for (const auto& path : {index, dir.path()}) {
    const TensorSource source(path);
    CHECK(source.path().string() == index.string());
    CHECK(source.files().size() == 2);
    CHECK(source.names().size() == 5);
    CHECK(source.entry("steps").dtype == astraea::model::Dtype::kI64);
    Net net;
    load_state_dict(net, source, at::kFloat, at::kCPU);
    check_loaded(net, at::kFloat);
  }
}

TEST_CASE("a directory resolves to its only checkpoint or fails listing what it holds", "[checkpoint]") {
  astraea::testing::TempDir dir;
  const auto values = net_values();
  save_safetensors(dir.path() / "model.fp16.safetensors", pick(values, {"steps"}));
  CHECK(TensorSource(dir.path()).path().string() == (dir.path() / "model.fp16.safetensors").string());
  save_safetensors(dir.path() / "model.safetensors", pick(values, {"steps"}));
  CHECK(error_of([&] { TensorSource s(dir.path()); }) ==
        "checkpoint '" + dir.path().string() +
            "': expected diffusion_pytorch_model.safetensors.index.json, diffusion_pytorch_model.safetensors, or "
            "exactly one *.safetensors.index.json or *.safetensors file; found 0 index and 2 safetensors files "
            "(the directory holds: model.fp16.safetensors, model.safetensors)");
  save_safetensors(dir.path() / "diffusion_pytorch_model.safetensors", pick(values, {"fc1.bias"}));
  CHECK(TensorSource(dir.path()).names() == std::vector<std::string>{"fc1.bias"});
  const auto missing = dir.path() / "none";
  CHECK(error_of([&] { TensorSource s(missing); }) == "checkpoint '" + missing.string() + "' does not exist");
}

TEST_CASE("index errors name the index and the shard", "[checkpoint]") {
  astraea::testing::TempDir dir;
  const auto index = write_sharded(dir.path());
  const auto prefix = "checkpoint index '" + index.string() + "': ";

  fs::remove(dir.path() / kShard2Name);
  CHECK(error_of([&] { TensorSource s(index); }) ==
        prefix + "shard 'diffusion_pytorch_model-00002-of-00002.safetensors' (holding 3 of its tensors) is missing");

  write_sharded(dir.path(), {{"fc3.weight", kShard1Name}});
  CHECK(error_of([&] { TensorSource s(index); }) ==
        prefix + "tensor 'fc3.weight' is mapped to shard 'diffusion_pytorch_model-00001-of-00002.safetensors', which does not hold it");

  write_sharded(dir.path());
  save_safetensors(dir.path() / kShard1Name, pick(net_values(), {"fc1.weight", "fc1.bias", "steps"}));
  CHECK(error_of([&] { TensorSource s(index); }) ==
        prefix + "shard 'diffusion_pytorch_model-00001-of-00002.safetensors' holds tensor 'steps', which the weight_map does not list");

  write_sharded(dir.path(), {{"x", "../elsewhere.safetensors"}});
  CHECK(error_of([&] { TensorSource s(index); }) == prefix + "shard '../elsewhere.safetensors' is not a path inside the index's folder");

  std::ofstream(index) << "{\"weight_map\": [1]}";
  CHECK(error_of([&] { TensorSource s(index); }) == "checkpoint index '" + index.string() + "' has no \"weight_map\" object");
  std::ofstream(index) << "{\"weight_map\": ";
  CHECK(error_of([&] { TensorSource s(index); }).starts_with("checkpoint index '" + index.string() + "' is not valid JSON: '[json.exception"));

  write_sharded(dir.path());
  std::ofstream(dir.path() / kShard2Name) << "garbage";
  CHECK(error_of([&] { TensorSource s(index); }) == prefix + (dir.path() / kShard2Name).string() +
                                                        ": file is 7 bytes, too short for the 8-byte header length");
}

TEST_CASE("a mismatched checkpoint fails with one line listing every problem and loads nothing", "[checkpoint]") {
  astraea::testing::TempDir dir;
  auto values = net_values();
  values["fc1.weight"] = at::zeros({3, 4});
  values["extra"] = at::zeros({1});
  const auto path = dir.path() / "bad.safetensors";
  save_safetensors(path, pick(values, {"fc1.weight", "fc1.bias", "fc2.weight", "steps", "extra"}));
  Net net;
  const auto before = net.fc1->bias.clone();
  CHECK(error_of([&] { load_state_dict(net, TensorSource(path), at::kFloat, at::kCPU); }) ==
        "checkpoint '" + path.string() + "': 1 missing (fc2.bias), 1 unexpected (extra), 1 mis-shaped (fc1.weight: file [3,4] vs model [4,3])");
  CHECK(at::equal(net.fc1->bias, before));

  const auto empty = dir.path() / "empty.safetensors";
  save_safetensors(empty, {});
  torch::nn::Module wide;
  for (int i = 0; i < 10; ++i) wide.register_parameter("p" + std::to_string(i), at::zeros({1}));
  CHECK(error_of([&] { load_state_dict(wide, TensorSource(empty), at::kFloat, at::kCPU); }) ==
        "checkpoint '" + empty.string() + "': 10 missing (p0, p1, p2, p3, p4, p5, p6, p7, ... and 2 more)");
  CHECK(error_of([&] { load_state_dict(wide, TensorSource(empty), at::kInt, at::kCPU); }) ==
        "checkpoint '" + empty.string() + "': load dtype Int is not a floating-point type");
}

TEST_CASE("a prefix selects a sub-model and ignored prefixes drop extra tensors", "[checkpoint]") {
  astraea::testing::TempDir dir;
  const auto values = net_values();
  auto tensors = pick(values, {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "steps"}, "transformer.");
  tensors.emplace_back("vae.decoder.weight", at::zeros({2}));
  tensors.emplace_back("oracle.output", at::zeros({2}));
  tensors.emplace_back("transformer.oracle_like", at::zeros({2}));
  const auto path = dir.path() / "pipeline.safetensors";
  save_safetensors(path, tensors);
  const TensorSource source(path);
  Net net;
  CHECK(error_of([&] { load_state_dict(net, source, at::kFloat, at::kCPU, "transformer."); }) ==
        "checkpoint '" + path.string() + "' (prefix 'transformer.'): 1 unexpected (transformer.oracle_like)");
  load_state_dict(net, source, at::kFloat, at::kCPU, "transformer.", {"oracle.", "transformer.oracle_"});
  check_loaded(net, at::kFloat);

  Net plain;
  save_safetensors(path, [&] {
    auto t = pick(values, {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "steps"});
    t.emplace_back("oracle.output", at::zeros({2}));
    return t;
  }());
  load_state_dict(plain, TensorSource(path), at::kFloat, at::kCPU, "", {"oracle."});
  check_loaded(plain, at::kFloat);
}

TEST_CASE("tensors load onto the GPU", "[checkpoint][gpu]") {
  if (!at::hasCUDA()) return;
  astraea::testing::TempDir dir;
  const auto path = dir.path() / "net.safetensors";
  save_safetensors(path, pick(net_values(), {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "steps"}));
  Net net;
  load_state_dict(net, TensorSource(path), at::kBFloat16, at::Device(at::kCUDA, 0));
  for (const auto& [name, value] : net_values()) {
    const at::Tensor loaded = name == "steps" ? net.steps : net.named_parameters()[name];
    CHECK(loaded.device().is_cuda());
    CHECK(at::equal(loaded.cpu(), value.to(loaded.scalar_type())));
  }
  CHECK(net.fc1->weight.scalar_type() == at::kBFloat16);
  CHECK(net.steps.scalar_type() == at::kLong);
}

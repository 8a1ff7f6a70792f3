// Loads an oracle fixture written from diffusers (tests/fixtures/*.safetensors): the transformer
// config from its metadata, the weights into a fresh CogVideoXTransformer3D, and the oracle.*
// tensors for inputs and reference outputs.
#pragma once

#include "model/cogvideox_transformer.h"
#include "model/safetensors_file.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <string>

namespace astraea::testing {

struct OracleFixture {
  model::SafetensorsFile file;
  model::CogVideoXConfig config;

  explicit OracleFixture(const std::string& name)
      : file("tests/fixtures/" + name), config(model::CogVideoXConfig::from_json(nlohmann::json::parse(file.metadata().at("config")))) {}

  at::Tensor oracle(const std::string& key) const { return file.tensor("oracle." + key); }
  nlohmann::json meta(const std::string& key) const { return nlohmann::json::parse(file.metadata().at(key)); }

  // A transformer holding the fixture's weights (every parameter must be in the file).
  model::CogVideoXTransformer3D transformer() const {
    model::CogVideoXTransformer3D t(config);
    torch::NoGradGuard no_grad;
    for (auto& item : t->named_parameters()) item.value().copy_(file.tensor(item.key()));
    t->eval();
    return t;
  }
};

// max |a - b| / max |b|: the error measure of the oracle tests.
inline double max_relative_error(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>() / b.to(at::kDouble).abs().max().item<double>();
}

}  // namespace astraea::testing

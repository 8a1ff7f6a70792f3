// Seeded random weights: N(0, 0.02^2) for weights and biases, ones for LayerNorm scales, the same
// values for the same seed, on the CPU and, drawn there, on the GPU ([gpu]; it must also leave the
// device's generator as it found it).
#include "model/random_init.h"
#include "support/catch.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace {

struct Net : torch::nn::Module {
  Net() {
    fc = register_module("fc", torch::nn::Linear(256, 512));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({512})));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};

void check_drawn(Net& net) {
  const auto w = net.fc->weight.to(at::kCPU, at::kFloat);
  CHECK(w.mean().item<double>() == Approx(0.0).margin(1e-3));
  CHECK(w.std().item<double>() == Approx(astraea::model::kRandomInitStd).epsilon(0.02));
  CHECK(at::equal(net.norm->weight.to(at::kCPU, at::kFloat), at::ones({512})));
}

}  // namespace

TEST_CASE("random weights are seeded, N(0, std^2), with LayerNorm scales at one", "[model]") {
  Net a, b, c;
  astraea::model::init_random_weights(a, 3);
  astraea::model::init_random_weights(b, 3);
  astraea::model::init_random_weights(c, 4);
  check_drawn(a);
  CHECK(at::equal(a.fc->weight, b.fc->weight));
  CHECK_FALSE(at::equal(a.fc->weight, c.fc->weight));
}

TEST_CASE("random weights on the GPU are drawn there, seeded, and leave the device generator untouched", "[model][gpu]") {
  if (!at::hasCUDA()) return;
  const at::Device gpu(at::kCUDA, 0);
  Net a, b;
  a.to(gpu, at::kBFloat16);
  b.to(gpu, at::kBFloat16);
  auto generator = at::globalContext().defaultGenerator(gpu);
  generator.set_current_seed(77);
  const auto before = at::randn({4}, at::TensorOptions().device(gpu));
  generator.set_current_seed(77);
  astraea::model::init_random_weights(a, 3);
  const auto after = at::randn({4}, at::TensorOptions().device(gpu));
  astraea::model::init_random_weights(b, 3);
  check_drawn(a);
  CHECK(a.fc->weight.scalar_type() == at::kBFloat16);
  CHECK(at::equal(a.fc->weight, b.fc->weight));
  CHECK(at::equal(before, after));
}

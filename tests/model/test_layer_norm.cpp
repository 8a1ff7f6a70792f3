// layer_norm_in_dtype against the LayerNorm module it replaces: the same values and the same
// gradients (input, scale and shift), with and without gradients on, affine or not.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include "model/layer_norm.h"
#include "support/catch.h"

using namespace astraea::model;

namespace {

torch::nn::LayerNorm make_norm(int dim, bool affine) {
  torch::nn::LayerNorm norm(torch::nn::LayerNormOptions({dim}).eps(1e-6).elementwise_affine(affine));
  if (affine) {
    at::NoGradGuard no_grad;
    auto generator = at::detail::createCPUGenerator(7);
    norm->weight.copy_(at::randn({dim}, generator) + 1);
    norm->bias.copy_(at::randn({dim}, generator));
  }
  return norm;
}

}  // namespace

TEST_CASE("layer_norm_in_dtype matches the module's values and gradients", "[model][layer_norm]") {
  auto generator = at::detail::createCPUGenerator(3);
  for (const bool affine : {true, false}) {
    INFO("affine " << affine);
    auto norm = make_norm(32, affine);
    const auto x = (at::randn({2, 5, 4, 32}, generator) * 3 + 1).requires_grad_(true);
    const auto upstream = at::randn({2, 5, 4, 32}, generator);

    {
      at::NoGradGuard no_grad;
      CHECK(at::allclose(layer_norm_in_dtype(*norm, x), norm(x), 1e-5, 1e-6));
    }
    const auto expected = norm(x);
    const auto expected_grads = torch::autograd::grad({expected}, affine ? std::vector<at::Tensor>{x, norm->weight, norm->bias} : std::vector<at::Tensor>{x}, {upstream});
    const auto actual = layer_norm_in_dtype(*norm, x);
    const auto actual_grads = torch::autograd::grad({actual}, affine ? std::vector<at::Tensor>{x, norm->weight, norm->bias} : std::vector<at::Tensor>{x}, {upstream});
    CHECK(at::allclose(actual, expected, 1e-5, 1e-6));
    REQUIRE(actual_grads.size() == expected_grads.size());
    for (std::size_t i = 0; i < actual_grads.size(); ++i) {
      INFO("gradient " << i);
      CHECK(at::allclose(actual_grads[i], expected_grads[i], 1e-4, 1e-5));
    }
  }
}

TEST_CASE("layer_norm_in_dtype keeps a bf16 input in bf16", "[model][layer_norm]") {
  auto norm = make_norm(16, true);
  auto generator = at::detail::createCPUGenerator(5);
  const auto x = at::randn({3, 16}, generator);
  const auto out = layer_norm_in_dtype(*norm, x.to(at::kBFloat16));
  CHECK(out.scalar_type() == at::kBFloat16);
  CHECK(at::allclose(out.to(at::kFloat), norm(x), 0.05, 0.05));
}

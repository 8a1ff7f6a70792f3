#include "model/random_init.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace astraea::model {

void init_random_weights(torch::nn::Module& module, std::uint64_t seed, double std) {
  auto generator = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) {
    auto& p = item.value();
    if (!at::isFloatingType(p.scalar_type())) continue;
    // One-dimensional weights are LayerNorm scales (Linear and Conv weights have 2+ dims).
    const bool is_norm_weight = p.dim() == 1 && item.key().ends_with(".weight");
    const auto values = is_norm_weight ? at::ones(p.sizes(), at::kFloat) : at::randn(p.sizes(), generator, at::kFloat) * std;
    p.copy_(values);
  }
}

}  // namespace astraea::model

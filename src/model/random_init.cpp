#include "model/random_init.h"

#include "core/rng.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>

#include <vector>

namespace astraea::model {

void init_random_weights(torch::nn::Module& module, std::uint64_t seed, double std) {
  // Each parameter draws from its own generator, seeded by (seed, position), so parameters can
  // fill in parallel and the result does not depend on the thread count.
  std::vector<std::pair<std::string, at::Tensor>> parameters;
  for (auto& item : module.named_parameters()) parameters.emplace_back(item.key(), item.value());
  torch::NoGradGuard no_grad;
  at::parallel_for(0, static_cast<std::int64_t>(parameters.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      auto& [name, p] = parameters[static_cast<std::size_t>(i)];
      if (!at::isFloatingType(p.scalar_type())) continue;
      // One-dimensional weights are LayerNorm scales (Linear and Conv weights have 2+ dims).
      const bool is_norm_weight = p.dim() == 1 && name.ends_with(".weight");
      if (is_norm_weight) {
        p.fill_(1.0);
        continue;
      }
      auto generator = at::detail::createCPUGenerator(derive_seed(seed, {static_cast<std::uint64_t>(i)}));
      p.copy_(at::randn(p.sizes(), generator, at::kFloat) * std);
    }
  });
}

}  // namespace astraea::model

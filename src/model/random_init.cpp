#include "model/random_init.h"

#include "core/rng.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>

#include <mutex>
#include <vector>

namespace astraea::model {

namespace {

// One-dimensional weights are LayerNorm scales (Linear and Conv weights have 2+ dims).
bool is_norm_weight(const std::string& name, const at::Tensor& p) { return p.dim() == 1 && name.ends_with(".weight"); }

}  // namespace

void init_random_weights(torch::nn::Module& module, std::uint64_t seed, double std) {
  // Each parameter draws from its own generator, seeded by (seed, position), so parameters can
  // fill in parallel and the result does not depend on the thread count.
  std::vector<std::pair<std::string, at::Tensor>> parameters;
  for (auto& item : module.named_parameters()) parameters.emplace_back(item.key(), item.value());
  torch::NoGradGuard no_grad;
  const auto seed_of = [&](std::int64_t i) { return derive_seed(seed, {static_cast<std::uint64_t>(i)}); };
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(parameters.size()); ++i) {
    auto& [name, p] = parameters[static_cast<std::size_t>(i)];
    if (p.is_cpu() || !at::isFloatingType(p.scalar_type())) continue;
    if (is_norm_weight(name, p)) {
      p.fill_(1.0);
      continue;
    }
    // The sampling kernel locks the generator itself, so the lock is held only around the state.
    auto generator = at::globalContext().defaultGenerator(p.device());
    at::Tensor saved;
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      saved = generator.get_state();
      generator.set_current_seed(seed_of(i));
    }
    p.normal_(0.0, std, generator);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(saved);
  }
  at::parallel_for(0, static_cast<std::int64_t>(parameters.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      auto& [name, p] = parameters[static_cast<std::size_t>(i)];
      if (!p.is_cpu() || !at::isFloatingType(p.scalar_type())) continue;
      if (is_norm_weight(name, p)) {
        p.fill_(1.0);
        continue;
      }
      auto generator = at::detail::createCPUGenerator(seed_of(i));
      p.copy_(at::randn(p.sizes(), generator, at::kFloat) * std);
    }
  });
}

}  // namespace astraea::model

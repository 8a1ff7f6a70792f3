#include "train/weight_init.h"

#include "model/random_init.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace astraea::train {

void init_for_training(torch::nn::Module& transformer, std::uint64_t seed) {
  model::init_random_weights(transformer, seed);
  at::NoGradGuard no_grad;
  for (auto& item : transformer.named_parameters()) {
    const auto& name = item.key();
    const bool modulation = name.find("norm1.linear.") != std::string::npos || name.find("norm2.linear.") != std::string::npos ||
                            name.starts_with("norm_out.linear.") || name.starts_with("proj_out.");
    if (modulation) item.value().zero_();
  }
}

}  // namespace astraea::train

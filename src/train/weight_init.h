// Initial weights for training the transformer from scratch, DiT style: N(0, 0.02^2) for weights
// and biases (LayerNorm scales one), then adaLN-Zero: every AdaLayerNorm's modulation linear
// (`norm1.linear`, `norm2.linear`, `norm_out.linear`) and `proj_out` start at zero, so each block
// starts as the identity and the first prediction is zero.
#pragma once

#include <cstdint>

namespace torch::nn {
class Module;
}

namespace astraea::train {

void init_for_training(torch::nn::Module& transformer, std::uint64_t seed);

}  // namespace astraea::train

#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/normalization.h>

namespace astraea::model {

// `norm` applied over x's last dimension, in x's own dtype.
//
// Two things differ from calling the module, and neither changes the result beyond rounding:
// - Autocast is bypassed. CUDA autocast runs LayerNorm in float32, which costs a cast of its
//   input and a float32 output; a bf16 input here stays bf16 (the kernel still accumulates in
//   float32) and the scale and shift are cast to x's dtype.
// - With gradients on, the scale and shift are a separate broadcast multiply-add. LayerNorm's
//   fused weight-gradient reduction is slow over the millions of short rows of a per-head QK norm.
at::Tensor layer_norm_in_dtype(torch::nn::LayerNormImpl& norm, const at::Tensor& x);

}  // namespace astraea::model

// Diffusion-timestep features: the sinusoidal projection (diffusers' Timesteps) and the two-layer
// MLP after it (TimestepEmbedding: linear_1, SiLU, linear_2).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace astraea::model {

// t: [B] (any numeric dtype). Returns float32 [B, dim]: [sin | cos] of t * exp(-ln(max_period) j / (dim/2 - shift)),
// halves swapped when flip_sin_to_cos (so cos comes first).
at::Tensor timestep_sinusoid(const at::Tensor& t, int dim, bool flip_sin_to_cos, double downscale_freq_shift);

class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int in_channels, int time_embed_dim);
  at::Tensor forward(const at::Tensor& sample);

 private:
  torch::nn::Linear linear_1_{nullptr};
  torch::nn::Linear linear_2_{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace astraea::model

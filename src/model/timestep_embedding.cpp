#include "model/timestep_embedding.h"

#include <cmath>

namespace astraea::model {
namespace {
constexpr double kMaxPeriod = 10000.0;
}

at::Tensor timestep_sinusoid(const at::Tensor& t, int dim, bool flip_sin_to_cos, double downscale_freq_shift) {
  const int half = dim / 2;
  const auto exponent = at::arange(half, at::TensorOptions().dtype(at::kFloat).device(t.device())) *
                        static_cast<float>(-std::log(kMaxPeriod)) / static_cast<float>(half - downscale_freq_shift);
  const auto arguments = t.to(at::kFloat).unsqueeze(1) * at::exp(exponent).unsqueeze(0);  // [B, half]
  auto embedding = flip_sin_to_cos ? at::cat({at::cos(arguments), at::sin(arguments)}, 1) : at::cat({at::sin(arguments), at::cos(arguments)}, 1);
  if (dim % 2 == 1) embedding = at::constant_pad_nd(embedding, {0, 1});
  return embedding;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int in_channels, int time_embed_dim) {
  linear_1_ = register_module("linear_1", torch::nn::Linear(in_channels, time_embed_dim));
  linear_2_ = register_module("linear_2", torch::nn::Linear(time_embed_dim, time_embed_dim));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample) { return linear_2_(at::silu(linear_1_(sample))); }

}  // namespace astraea::model

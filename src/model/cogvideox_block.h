// One CogVideoXBlock: expert adaLN (LayerNormZero with separate text/video modulation), joint
// self-attention over [text, video] with QK LayerNorm and RoPE on the video rows, and a GELU(tanh)
// feed-forward over the joint sequence. Module names match diffusers' state dict. Attention goes
// through the Accelerator seam, which may ask the block to recompute only some rows.
#pragma once

#include "attention/accelerator.h"
#include "model/cogvideox_config.h"
#include "model/positional_encoding.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <optional>

namespace astraea::model {

// CogVideoXLayerNormZero: (shift, scale, gate, e_shift, e_scale, e_gate) from the time embedding.
class LayerNormZeroImpl : public torch::nn::Module {
 public:
  LayerNormZeroImpl(int conditioning_dim, int dim, double eps, bool affine);
  struct Result {
    at::Tensor video, text, gate, text_gate;  // normed [B,N,D], [B,L,D]; gates [B,1,D]
  };
  Result forward(const at::Tensor& video, const at::Tensor& text, const at::Tensor& temb);

 private:
  torch::nn::Linear linear_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(LayerNormZero);

// diffusers' Attention with CogVideoXAttnProcessor2_0: to_q/k/v, norm_q/k, to_out.0.
class JointAttentionImpl : public torch::nn::Module {
 public:
  JointAttentionImpl(int dim, int heads, int head_dim, bool bias);
  // Projects q for `query_rows` ([B, S_q, D]) and k, v for `all_rows` ([B, S, D]), normalises,
  // rotates the video rows, and runs the accelerator's attention. Returns [B, S_q, D].
  at::Tensor forward(const at::Tensor& query_rows, const at::Tensor& all_rows, const attention::RowSelection& rows,
                     const std::optional<RotaryEmbedding>& rope, const attention::VideoLayout& layout, attention::Accelerator& accelerator,
                     int layer);

 private:
  at::Tensor split_heads(const at::Tensor& x) const;  // [B, S, D] -> [B, heads, S, d]
  at::Tensor normed_heads(torch::nn::LayerNormImpl& norm, const at::Tensor& x) const;  // split_heads after a per-head LayerNorm
  void rotate_video_rows(at::Tensor& x, const RotaryEmbedding& rope, const at::Tensor& row_index, int text_tokens) const;

  int heads_, head_dim_;
  torch::nn::Linear to_q_{nullptr}, to_k_{nullptr}, to_v_{nullptr};
  torch::nn::LayerNorm norm_q_{nullptr}, norm_k_{nullptr};
  torch::nn::ModuleList to_out_{nullptr};
  torch::nn::Linear out_proj_{nullptr};
};
TORCH_MODULE(JointAttention);

// diffusers' GELU activation module: a Linear named `proj`, then tanh-approximate GELU.
class GeluProjectionImpl : public torch::nn::Module {
 public:
  GeluProjectionImpl(int in, int out, bool bias);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Linear proj_{nullptr};
};
TORCH_MODULE(GeluProjection);

// diffusers' FeedForward: net.0 (GELU projection), net.1 (dropout), net.2 (Linear).
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int dim, int inner_dim, bool bias);
  at::Tensor forward(const at::Tensor& x);

 private:
  GeluProjection in_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(FeedForward);

class CogVideoXBlockImpl : public torch::nn::Module {
 public:
  CogVideoXBlockImpl(const CogVideoXConfig& config, int layer_index);
  struct Output {
    at::Tensor video, text;
  };
  // video [B, N, D], text [B, L, D], temb [B, E].
  Output forward(const at::Tensor& video, const at::Tensor& text, const at::Tensor& temb, const std::optional<RotaryEmbedding>& rope,
                 const attention::VideoLayout& layout, attention::Accelerator& accelerator);

 private:
  int layer_;
  LayerNormZero norm1_{nullptr}, norm2_{nullptr};
  JointAttention attn1_{nullptr};
  FeedForward ff_{nullptr};
};
TORCH_MODULE(CogVideoXBlock);

}  // namespace astraea::model

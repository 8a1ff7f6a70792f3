#include "model/cogvideox_block.h"

#include "attention/kernel_bridge.h"
#include "attention/token_rows.h"
#include "model/layer_norm.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <torch/nn/modules/dropout.h>

#include <utility>

namespace astraea::model {
namespace {

constexpr double kQkNormEps = 1e-6;
constexpr int kAdaLnChunks = 6;
constexpr int kFeedForwardMultiplier = 4;
constexpr int64_t kRopeHeadChunk = 8;

// Runs f as a named region of a profiler trace (a user scope; free when no profiler runs) and
// returns what f returns (nothing, for a void f).
template <class F>
auto region(const char* name, F&& f) {
  RECORD_USER_SCOPE(name);
  return std::forward<F>(f)();
}

}  // namespace

LayerNormZeroImpl::LayerNormZeroImpl(int conditioning_dim, int dim, double eps, bool affine) {
  linear_ = register_module("linear", torch::nn::Linear(conditioning_dim, kAdaLnChunks * dim));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps).elementwise_affine(affine)));
}

LayerNormZeroImpl::Result LayerNormZeroImpl::forward(const at::Tensor& video, const at::Tensor& text, const at::Tensor& temb) {
  const auto chunks = linear_(at::silu(temb)).chunk(kAdaLnChunks, 1);  // shift, scale, gate, e_shift, e_scale, e_gate
  auto per_token = [](const at::Tensor& t) { return t.unsqueeze(1); };
  // norm(x) (1 + scale) + shift in one pass over the tokens.
  Result r;
  r.video = at::addcmul(per_token(chunks[0]), layer_norm_in_dtype(*norm_, video), 1 + per_token(chunks[1]));
  r.text = at::addcmul(per_token(chunks[3]), layer_norm_in_dtype(*norm_, text), 1 + per_token(chunks[4]));
  r.gate = per_token(chunks[2]);
  r.text_gate = per_token(chunks[5]);
  return r;
}

JointAttentionImpl::JointAttentionImpl(int dim, int heads, int head_dim, bool bias) : heads_(heads), head_dim_(head_dim) {
  norm_q_ = register_module("norm_q", torch::nn::LayerNorm(torch::nn::LayerNormOptions({head_dim}).eps(kQkNormEps)));
  norm_k_ = register_module("norm_k", torch::nn::LayerNorm(torch::nn::LayerNormOptions({head_dim}).eps(kQkNormEps)));
  to_q_ = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(bias)));
  to_k_ = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(bias)));
  to_v_ = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(bias)));
  out_proj_ = torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(true));
  to_out_ = register_module("to_out", torch::nn::ModuleList(out_proj_, torch::nn::Dropout(0.0)));
}

at::Tensor JointAttentionImpl::split_heads(const at::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, head_dim_}).transpose(1, 2);
}

at::Tensor JointAttentionImpl::normed_heads(torch::nn::LayerNormImpl& norm, const at::Tensor& x) const {
  // Normalised on the contiguous [B, S, h, d] view, then transposed: no copy into head-major order.
  return layer_norm_in_dtype(norm, x.view({x.size(0), x.size(1), heads_, head_dim_})).transpose(1, 2);
}

void JointAttentionImpl::rotate_video_rows(at::Tensor& x, const RotaryEmbedding& rope, const at::Tensor& row_index, int text_tokens) const {
  // x: [B, h, L + k, d]; rows L.. are video tokens (all of them, or those in row_index). Rotated in place.
  auto video = x.slice(2, text_tokens);
  if (x.scalar_type() == at::kFloat && x.stride(3) == 1 && x.size(3) % 2 == 0) {
    // float32: each pair (2i, 2i+1) is a complex number and the rotation a complex product, done
    // in place in one operation (per-row tables picked first when only some rows are present).
    const auto pair_firsts = [&](const at::Tensor& t) { return t.to(x.device()).slice(1, 0, t.size(1), 2); };
    auto table = at::complex(pair_firsts(rope.cos), pair_firsts(rope.sin));  // [N, d/2] complex64
    table = row_index.defined() ? table.index_select(0, row_index.flatten()).view({row_index.size(0), 1, row_index.size(1), table.size(1)})
                                : table.unsqueeze(0).unsqueeze(0);
    at::view_as_complex(video.view({video.size(0), video.size(1), video.size(2), video.size(3) / 2, 2})).mul_(table);
    return;
  }
  if (!row_index.defined()) {
    // A few heads at a time: the float32 temporaries stay a fraction of the tensor's size.
    const RotaryEmbedding table{rope.cos.to(x.device()), rope.sin.to(x.device())};
    for (int64_t h = 0; h < video.size(1); h += kRopeHeadChunk) {
      auto heads = video.slice(1, h, std::min(h + kRopeHeadChunk, video.size(1)));
      heads.copy_(apply_rotary(heads, table));  // casts back to x's dtype
    }
    return;
  }
  // Per-batch rows: [B, 1, k, d] tables, broadcast over heads. Every size is explicit so that a
  // block with no selected video row (k = 0) works too.
  auto pick = [&](const at::Tensor& t) {
    return t.to(x.device()).index_select(0, row_index.flatten()).view({row_index.size(0), 1, row_index.size(1), t.size(1)});
  };
  const auto cos = pick(rope.cos), sin = pick(rope.sin);
  const auto pairs = video.reshape({video.size(0), video.size(1), video.size(2), video.size(3) / 2, 2});
  const auto rotated = at::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(3);
  video.copy_(at::addcmul(video.to(at::kFloat) * cos, rotated.to(at::kFloat), sin));
}

at::Tensor JointAttentionImpl::forward(const at::Tensor& query_rows, const at::Tensor& all_rows, const attention::RowSelection& rows,
                                       const std::optional<RotaryEmbedding>& rope, const attention::VideoLayout& layout,
                                       attention::Accelerator& accelerator, int layer) {
  at::Tensor q, k, v;
  if (attention::qk_norm_rope_available(query_rows, head_dim_)) {
    // One fused pass per tensor (norm, rotation, and head-major order, which the attention
    // kernels read fastest); v is made head-major to match.
    const at::Tensor cos = rope ? rope->cos : at::Tensor(), sin = rope ? rope->sin : at::Tensor();
    region("attn.qkv", [&] {
      q = attention::qk_norm_rope(to_q_(query_rows), heads_, norm_q_->weight, norm_q_->bias, norm_q_->options.eps(), layout.text_tokens, cos,
                                  sin, rows.indices);
      k = attention::qk_norm_rope(to_k_(all_rows), heads_, norm_k_->weight, norm_k_->bias, norm_k_->options.eps(), layout.text_tokens, cos,
                                  sin, at::Tensor());
      v = split_heads(to_v_(all_rows)).contiguous();
    });
  } else {
    region("attn.qkv", [&] {
      q = normed_heads(*norm_q_, to_q_(query_rows));  // [B, h, L + k, d]
      k = normed_heads(*norm_k_, to_k_(all_rows));    // [B, h, L + N, d]
      v = split_heads(to_v_(all_rows));
    });
    if (rope) {
      region("attn.rope", [&] {
        rotate_video_rows(q, *rope, rows.indices, layout.text_tokens);
        rotate_video_rows(k, *rope, at::Tensor(), layout.text_tokens);
      });
    }
  }
  const auto o = region("attn.attention", [&] { return accelerator.attention(layer, q, k, v, layout, rows); });  // [B, h, L + k, d]
  return region("attn.out_proj", [&] { return out_proj_(o.transpose(1, 2).reshape({o.size(0), o.size(2), heads_ * head_dim_})); });
}

GeluProjectionImpl::GeluProjectionImpl(int in, int out, bool bias) {
  proj_ = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias)));
}

at::Tensor GeluProjectionImpl::forward(const at::Tensor& x) {
  // On CUDA, cuBLASLt applies the bias and tanh-GELU in the GEMM epilogue. (The CPU version of
  // _addmm_activation uses the erf GELU, so the CPU takes the two-step path; so does training,
  // since the fused op has no derivative.)
  if (!x.is_cuda() || !proj_->bias.defined() || at::GradMode::is_enabled()) return at::gelu(proj_(x), "tanh");
  const auto rows = x.reshape({-1, x.size(-1)});
  const auto out = at::_addmm_activation(proj_->bias, rows, proj_->weight.t(), 1, 1, /*use_gelu=*/true);
  auto sizes = x.sizes().vec();
  sizes.back() = out.size(-1);
  return out.view(sizes);
}

FeedForwardImpl::FeedForwardImpl(int dim, int inner_dim, bool bias) {
  in_ = GeluProjection(dim, inner_dim, bias);
  out_ = torch::nn::Linear(torch::nn::LinearOptions(inner_dim, dim).bias(bias));
  register_module("net", torch::nn::ModuleList(in_, torch::nn::Dropout(0.0), out_));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return out_(in_(x)); }

CogVideoXBlockImpl::CogVideoXBlockImpl(const CogVideoXConfig& config, int layer_index) : layer_(layer_index) {
  const int d = config.inner_dim();
  norm1_ = register_module("norm1", LayerNormZero(config.time_embed_dim, d, config.norm_eps, config.norm_elementwise_affine));
  attn1_ = register_module("attn1", JointAttention(d, config.num_attention_heads, config.attention_head_dim, config.attention_bias));
  norm2_ = register_module("norm2", LayerNormZero(config.time_embed_dim, d, config.norm_eps, config.norm_elementwise_affine));
  ff_ = register_module("ff", FeedForward(d, kFeedForwardMultiplier * d, true));
}

CogVideoXBlockImpl::Output CogVideoXBlockImpl::forward(const at::Tensor& video, const at::Tensor& text, const at::Tensor& temb,
                                                       const std::optional<RotaryEmbedding>& rope, const attention::VideoLayout& layout,
                                                       attention::Accelerator& accelerator) {
  const int64_t text_tokens = text.size(1);
  const auto rows = region("block.select_rows", [&] { return accelerator.select_rows(layer_, video); });
  auto select = [&](const at::Tensor& t) { return rows.all() ? t : attention::gather_rows(t, rows); };

  at::Tensor hidden, context;
  {
    const auto n1 = region("block.norm1", [&] { return norm1_(video, text, temb); });
    const auto [all_rows, query_rows] = region("block.rows", [&] {
      auto all = at::cat({n1.text, n1.video}, 1);
      auto query = rows.all() ? all : at::cat({n1.text, select(n1.video)}, 1);
      return std::pair{all, query};
    });
    const auto attn = attn1_(query_rows, all_rows, rows, rope, layout, accelerator, layer_);
    region("block.residual", [&] {
      hidden = at::addcmul(select(video), n1.gate, attn.slice(1, text_tokens));
      context = at::addcmul(text, n1.text_gate, attn.slice(1, 0, text_tokens));
    });
  }
  {
    const auto n2 = region("block.norm2", [&] { return norm2_(hidden, context, temb); });
    const auto ff = region("block.ff", [&] { return ff_(at::cat({n2.text, n2.video}, 1)); });
    region("block.residual", [&] {
      hidden = at::addcmul(hidden, n2.gate, ff.slice(1, text_tokens));
      context = at::addcmul(context, n2.text_gate, ff.slice(1, 0, text_tokens));
    });
  }
  return {region("block.finish", [&] { return accelerator.finish_block(layer_, rows, hidden); }), context};
}

}  // namespace astraea::model

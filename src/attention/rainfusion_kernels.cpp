#include "attention/rainfusion_kernels.h"

#include "attention/kernel_bridge.h"
#include "attention/rainfusion_masks.h"

#include <ATen/ATen.h>

#include <vector>

namespace astraea::attention {
namespace {

std::int64_t sink_frames(const VideoLayout& layout, bool first_frame_sink) { return first_frame_sink ? 1 : 0; }

// Flat (batch * heads) indices of the heads whose pattern is `code`, on `device`.
at::Tensor heads_with(const at::Tensor& flat_patterns, HeadPattern code, const at::Device& device) {
  return (flat_patterns == static_cast<std::int64_t>(code)).nonzero().flatten().to(device);
}

}  // namespace

at::Tensor rainfusion_temporal_order(const VideoLayout& layout, bool first_frame_sink) {
  const std::int64_t p_count = layout.frame_tokens();
  const std::int64_t sink = std::min<std::int64_t>(sink_frames(layout, first_frame_sink), layout.frames);
  std::vector<std::int64_t> order;
  order.reserve(layout.total_tokens());
  for (std::int64_t i = 0; i < layout.text_tokens + sink * p_count; ++i) order.push_back(i);
  for (std::int64_t p = 0; p < p_count; ++p) {
    for (std::int64_t t = sink; t < layout.frames; ++t) order.push_back(layout.text_tokens + t * p_count + p);
  }
  return at::tensor(order, at::kLong);
}

at::Tensor rainfusion_textural_keys(const VideoLayout& layout, int textural_stride, bool first_frame_sink) {
  TORCH_CHECK(textural_stride >= 1, "rainfusion: textural_stride ", textural_stride, " must be positive");
  const std::int64_t p_count = layout.frame_tokens();
  const std::int64_t sink = std::min<std::int64_t>(sink_frames(layout, first_frame_sink), layout.frames);
  std::vector<std::int64_t> keys;
  for (std::int64_t i = 0; i < layout.text_tokens + sink * p_count; ++i) keys.push_back(i);
  for (std::int64_t t = sink; t < layout.frames; ++t) {
    for (std::int64_t h = 0; h < layout.height; ++h) {
      for (std::int64_t w = 0; w < layout.width; ++w) {
        if (((h - w) % textural_stride + textural_stride) % textural_stride == 0) keys.push_back(layout.text_tokens + t * p_count + h * layout.width + w);
      }
    }
  }
  return at::tensor(keys, at::kLong);
}

std::pair<at::Tensor, at::Tensor> rainfusion_band_blocks(std::int64_t tokens, std::int64_t dense_prefix, std::int64_t half_width,
                                                         const at::Device& device) {
  TORCH_CHECK(tokens >= 1 && dense_prefix >= 0 && half_width >= 0, "rainfusion_band_blocks: bad sizes (tokens ", tokens, ", dense prefix ",
              dense_prefix, ", half width ", half_width, ")");
  const std::int64_t blocks = (tokens + kKernelBlockSize - 1) / kKernelBlockSize;
  const auto options = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor block = at::arange(blocks, options);
  const at::Tensor first_row = block * kKernelBlockSize;                                 // [Mq]
  const at::Tensor last_row = (first_row + (kKernelBlockSize - 1)).clamp_max(tokens - 1);  // [Mq]
  const at::Tensor band_lo = (first_row - half_width).clamp_min(0).div(kKernelBlockSize, "floor");
  const at::Tensor band_hi = (last_row + half_width).clamp_max(tokens - 1).div(kKernelBlockSize, "floor");
  const std::int64_t dense_blocks = (dense_prefix + kKernelBlockSize - 1) / kKernelBlockSize;
  const at::Tensor kept = (first_row < dense_prefix).unsqueeze(1) | (block < dense_blocks).unsqueeze(0) |
                          ((block.unsqueeze(0) >= band_lo.unsqueeze(1)) & (block.unsqueeze(0) <= band_hi.unsqueeze(1)));  // [Mq, Nk]
  const at::Tensor num = kept.sum(1).to(at::kInt);
  const at::Tensor indices = std::get<1>(at::sort(kept.to(at::kByte), /*stable=*/true, /*dim=*/1, /*descending=*/true)).to(at::kInt);
  return {num, indices};
}

RainFusionKernelPlan make_rainfusion_kernel_plan(const VideoLayout& layout, double sparsity, int band_block_size, int textural_stride,
                                                 bool first_frame_sink, const at::Device& device, TokenOrder temporal_order) {
  TORCH_CHECK(layout.frames >= 1 && layout.height >= 1 && layout.width >= 1 && layout.text_tokens >= 0,
              "rainfusion: bad video layout for the kernel plan");
  RainFusionKernelPlan plan;
  plan.layout = layout;
  plan.sparsity = sparsity;
  plan.textural_stride = textural_stride;
  plan.first_frame_sink = first_frame_sink;
  plan.band_block_size = band_block_size;
  plan.temporal_order = temporal_order;
  const std::int64_t sink = std::min<std::int64_t>(sink_frames(layout, first_frame_sink), layout.frames);
  const std::int64_t dense_prefix = layout.text_tokens + sink * layout.frame_tokens();
  const std::int64_t banded = layout.total_tokens() - dense_prefix;
  const std::int64_t half_width = banded > 0 ? band_half_width(banded, sparsity, band_block_size) : 0;
  std::tie(plan.band_num_blocks, plan.band_indices) = rainfusion_band_blocks(layout.total_tokens(), dense_prefix, half_width, device);
  const at::Tensor order = temporal_order == TokenOrder::kTokenMajor ? rainfusion_temporal_order(layout, first_frame_sink)
                                                                     : band_order(layout, temporal_order, band_block_size, first_frame_sink);
  plan.temporal_gather = order.to(device);
  plan.temporal_inverse = inverse_permutation(order).to(device);
  plan.textural_keys = rainfusion_textural_keys(layout, textural_stride, first_frame_sink).to(device);
  return plan;
}

bool plan_matches(const RainFusionKernelPlan& plan, const VideoLayout& layout, double sparsity, int band_block_size, int textural_stride,
                  bool first_frame_sink, const at::Device& device, TokenOrder temporal_order) {
  const VideoLayout& a = plan.layout;
  return plan.band_num_blocks.defined() && a.text_tokens == layout.text_tokens && a.frames == layout.frames && a.height == layout.height &&
         a.width == layout.width && plan.sparsity == sparsity && plan.band_block_size == band_block_size &&
         plan.textural_stride == textural_stride && plan.first_frame_sink == first_frame_sink && plan.temporal_order == temporal_order &&
         plan.band_num_blocks.device() == device;
}

at::Tensor rainfusion_kernel_attention(const RainFusionKernelPlan& plan, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                       const at::Tensor& patterns) {
  const std::int64_t tokens = plan.layout.total_tokens();
  TORCH_CHECK(q.dim() == 4 && q.size(2) == tokens, "rainfusion kernel attention: q must be [B, H, ", tokens, ", D]; got ", q.sizes());
  TORCH_CHECK(k.sizes() == q.sizes() && v.sizes() == q.sizes(), "rainfusion kernel attention: k ", k.sizes(), " and v ", v.sizes(),
              " must match q ", q.sizes());
  TORCH_CHECK(patterns.dim() == 2 && patterns.size(0) == q.size(0) && patterns.size(1) == q.size(1),
              "rainfusion kernel attention: patterns must be [B, H] = [", q.size(0), ", ", q.size(1), "]; got ", patterns.sizes());
  const std::int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3), bh = batch * heads;
  const at::Device device = q.device();
  const at::Tensor flat = patterns.to(at::kCPU, at::kLong).reshape({bh});
  const at::Tensor temporal = flat == static_cast<std::int64_t>(HeadPattern::kTemporal);  // CPU flags: the permute's subset
  const bool any_temporal = temporal.any().item<bool>();
  const at::Tensor textural = heads_with(flat, HeadPattern::kTextural, device);
  const bool any_band = textural.numel() < bh;  // some spatial or temporal head
  const at::Tensor qf = q.contiguous().view({bh, tokens, dim});
  const at::Tensor kf = k.contiguous().view({bh, tokens, dim});
  const at::Tensor vf = v.contiguous().view({bh, tokens, dim});

  at::Tensor out;
  if (any_band) {
    // Spatial and temporal heads (temporal ones in band order) share one block list; textural
    // heads get no blocks here (their rows come out 0 and are overwritten below).
    const at::Tensor band_head = (flat != static_cast<std::int64_t>(HeadPattern::kTextural)).to(device, at::kInt).view({batch, heads, 1});
    const at::Tensor num = plan.band_num_blocks.view({1, 1, -1}) * band_head;  // [B, H, Mq]
    const at::Tensor idx = plan.band_indices.view({1, 1, plan.band_indices.size(0), plan.band_indices.size(1)});
    // Temporal heads run in band order: one fused permute of Q, K and V there, its inverse on the output.
    const at::Tensor is_temporal = any_temporal ? temporal.to(device) : at::Tensor();
    const auto band = any_temporal ? permute_rows({qf, kf, vf}, plan.temporal_gather, is_temporal) : std::vector<at::Tensor>{qf, kf, vf};
    const auto as_heads = [&](const at::Tensor& x) { return x.view({batch, heads, tokens, dim}); };
    out = block_sparse_attention(as_heads(band[0]), as_heads(band[1]), as_heads(band[2]), num, idx).out.contiguous();
    if (any_temporal) out = permute_rows({out.view({bh, tokens, dim})}, plan.temporal_inverse, is_temporal)[0].view({batch, heads, tokens, dim});
  } else {
    out = at::empty({batch, heads, tokens, dim}, q.options());
  }
  if (textural.numel() > 0) {
    const std::int64_t n = textural.numel();
    const at::Tensor qx = qf.index_select(0, textural).unsqueeze(0);  // [1, n, S, D]
    const at::Tensor kx = kf.index_select(0, textural).index_select(1, plan.textural_keys).unsqueeze(0);
    const at::Tensor vx = vf.index_select(0, textural).index_select(1, plan.textural_keys).unsqueeze(0);
    const at::Tensor ox = block_sparse_attention(qx, kx, vx, at::Tensor(), at::Tensor()).out;
    out.view({bh, tokens, dim}).index_copy_(0, textural, ox.reshape({n, tokens, dim}).to(out.scalar_type()));
  }
  return out;
}

}  // namespace astraea::attention

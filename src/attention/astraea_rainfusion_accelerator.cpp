#include "attention/astraea_rainfusion_accelerator.h"

#include "attention/arm.h"
#include "attention/random_head_patterns.h"
#include "attention/rainfusion_masks.h"
#include "core/error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

namespace astraea::attention {
namespace {

bool same_layout(const VideoLayout& a, const VideoLayout& b) {
  return a.text_tokens == b.text_tokens && a.frames == b.frames && a.height == b.height && a.width == b.width;
}

// Joint-sequence positions of the query rows of batch element b: the text, then the selected
// video tokens (every token when rows.all()).
at::Tensor query_positions(const VideoLayout& layout, const RowSelection& rows, std::int64_t b, const at::Device& device) {
  const auto options = at::TensorOptions().dtype(at::kLong).device(device);
  if (rows.all()) return at::arange(layout.total_tokens(), options);
  return at::cat({at::arange(layout.text_tokens, options), rows.indices[b].to(device) + layout.text_tokens});
}

// softmax(q k^T / sqrt(d)) v over the keys `mask` keeps, and the LSE over them. q [1, n, Sq, d],
// k/v [1, n, S, d], mask bool [Sq, S] with at least one key per row. On the CPU the fused kernel
// that at::scaled_dot_product_attention dispatches to (with the mask as -inf additions, as SDPA
// converts a boolean mask); elsewhere float32 LibTorch.
AttentionWithLse masked_attention_with_lse(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const at::Tensor additive = at::zeros(mask.sizes(), q.options()).masked_fill_(mask.logical_not(), -INFINITY).view({1, 1, mask.size(0), mask.size(1)});
  if (q.is_cpu() && at::isFloatingType(q.scalar_type())) {
    auto [out, lse] = at::_scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, false, additive);
    return {out, lse.to(at::kFloat)};
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const at::Tensor scores = at::matmul(q.to(at::kFloat), k.to(at::kFloat).transpose(-2, -1)).mul_(scale).add_(additive.to(at::kFloat));
  const at::Tensor lse = at::logsumexp(scores, -1, /*keepdim=*/true);
  const at::Tensor out = at::matmul((scores - lse).exp_(), v.to(at::kFloat));
  return {out.to(q.scalar_type()), lse.squeeze(-1)};
}

}  // namespace

AstraeaRainFusionAccelerator::AstraeaRainFusionAccelerator(AstraeaSettings astraea, RainFusionSettings rainfusion)
    : astraea_(std::move(astraea)), rainfusion_(rainfusion), reuse_(rainfusion.decide_every) {
  const auto& r = rainfusion_;
  if (!(r.sparsity >= 0.0 && r.sparsity <= 1.0)) fail("astraea_rainfusion: sparsity {} is outside [0, 1]", r.sparsity);
  if (!(r.warmup >= 0.0 && r.warmup <= 1.0)) fail("astraea_rainfusion: warmup {} is outside [0, 1]", r.warmup);
  if (r.block_size < 1) fail("astraea_rainfusion: block_size {} must be positive", r.block_size);
  if (r.textural_stride < 1) fail("astraea_rainfusion: textural_stride {} must be positive", r.textural_stride);
  if (r.decision == PatternDecision::kMaskRecall) {
    fail("astraea_rainfusion: method.decision=mask_recall is built for method rainfusion only; use three_way, two_way, random or random_two_way");
  }
}

void AstraeaRainFusionAccelerator::begin_step(int step, int num_steps) {
  astraea_.begin_step(step, num_steps);
  const auto warmup_steps = static_cast<int>(std::ceil(rainfusion_.warmup * num_steps));
  dense_ = step < warmup_steps;
  step_ = step;
  if (step == 0) {
    reuse_.clear();
    used_patterns_.clear();
  }
  // The warm-up's ARM decisions serve the row-subset calls until the sparse steps decide: the
  // reuse interval counts from the first sparse step, as in RainFusionAccelerator.
  if (step == warmup_steps) reuse_.expire();
}

RowSelection AstraeaRainFusionAccelerator::select_rows(int layer, const at::Tensor& video) { return astraea_.select_rows(layer, video); }

const at::Tensor& AstraeaRainFusionAccelerator::masks_for(const VideoLayout& layout, const at::Device& device) {
  if (!mask_layout_ || !same_layout(*mask_layout_, layout) || masks_.device() != device) {
    const auto make = [&](HeadPattern p) {
      return pattern_mask(p, layout, rainfusion_.sparsity, rainfusion_.block_size, rainfusion_.textural_stride, rainfusion_.first_frame_sink,
                          rainfusion_.temporal_order);
    };
    masks_ = at::stack({make(HeadPattern::kSpatial), make(HeadPattern::kTemporal), make(HeadPattern::kTextural)}).to(device);
    mask_layout_ = layout;
  }
  return masks_;
}

at::Tensor AstraeaRainFusionAccelerator::choose_patterns(int layer, const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout,
                                                         const RowSelection& rows) {
  if (const at::Tensor* kept = reuse_.reusable(layer, step_, q.size(0), q.size(1))) return *kept;
  if (is_random(rainfusion_.decision)) {
    at::Tensor drawn = random_head_patterns(rainfusion_.random_seed, step_, layer, q.size(0), q.size(1), 0,
                                            random_pattern_count(rainfusion_.decision));
    reuse_.store(layer, step_, drawn);
    return drawn;
  }
  // ARM reads every query row: a row-subset call keeps the layer's last decision, however old.
  if (rows.all()) {
    const ArmOptions options{rainfusion_.sparsity, rainfusion_.alpha, rainfusion_.decision == PatternDecision::kThreeWay,
                             rainfusion_.first_frame_sink};
    at::Tensor decided = recognise_patterns(q, k, layout, options).patterns;
    reuse_.store(layer, step_, decided);
    return decided;
  }
  const at::Tensor* last = reuse_.latest(layer);
  if (!last) fail("astraea_rainfusion: layer {} has no ARM decision yet (ARM runs when a block recomputes every row)", layer);
  return *last;
}

at::Tensor AstraeaRainFusionAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                   const VideoLayout& layout, const RowSelection& rows) {
  const std::int64_t query_rows = layout.text_tokens + (rows.all() ? layout.video_tokens() : rows.indices.size(1));
  TORCH_CHECK(q.dim() == 4 && q.size(2) == query_rows, "astraea_rainfusion attention (layer ", layer, "): q must have ", query_rows,
              " rows (text and selected video); got ", q.sizes());
  TORCH_CHECK(k.dim() == 4 && k.size(2) == layout.total_tokens() && v.sizes() == k.sizes(), "astraea_rainfusion attention (layer ", layer,
              "): k ", k.sizes(), " and v ", v.sizes(), " must hold all ", layout.total_tokens(), " tokens");
  if (dense_) {
    // ARM still decides on full-row calls in the warm-up, for the row-subset calls after it.
    if (rows.all() && !is_random(rainfusion_.decision)) choose_patterns(layer, q, k, layout, rows);
    return astraea_.attention(layer, q, k, v, layout, rows);
  }
  const at::Tensor patterns = choose_patterns(layer, q, k, layout, rows);
  used_patterns_[layer] = patterns;
  const at::Tensor& masks = masks_for(layout, q.device());
  at::Tensor out = at::empty({q.size(0), q.size(1), q.size(2), v.size(3)}, v.options());
  at::Tensor lse = at::empty({q.size(0), q.size(1), q.size(2)}, q.options().dtype(at::kFloat));
  for (std::int64_t b = 0; b < q.size(0); ++b) {
    const at::Tensor positions = query_positions(layout, rows, b, q.device());
    for (int p = 0; p < kNumHeadPatterns; ++p) {
      const at::Tensor heads = (patterns[b] == p).nonzero().flatten().to(q.device());
      if (heads.numel() == 0) continue;
      const at::Tensor mask = masks[p].index_select(0, positions);  // [L + k, S]
      const auto pick = [&](const at::Tensor& x) { return x[b].index_select(0, heads).unsqueeze(0); };  // [1, n, rows, d]
      const auto result = masked_attention_with_lse(pick(q), pick(k), pick(v), mask);
      out[b].index_copy_(0, heads, result.out.squeeze(0));
      lse[b].index_copy_(0, heads, result.lse.squeeze(0));
    }
  }
  astraea_.record_lse(layer, lse, layout, rows);
  return out;
}

at::Tensor AstraeaRainFusionAccelerator::finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) {
  return astraea_.finish_block(layer, rows, video_out);
}

const at::Tensor& AstraeaRainFusionAccelerator::patterns(int layer) const {
  const auto found = used_patterns_.find(layer);
  if (found == used_patterns_.end()) fail("astraea_rainfusion: layer {} has no sparse attention call yet", layer);
  return found->second;
}

}  // namespace astraea::attention

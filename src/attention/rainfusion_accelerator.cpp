#include "attention/rainfusion_accelerator.h"

#include "attention/kernel_bridge.h"
#include "attention/random_head_patterns.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <vector>

namespace astraea::attention {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

bool same_layout(const VideoLayout& a, const VideoLayout& b) {
  return a.text_tokens == b.text_tokens && a.frames == b.frames && a.height == b.height && a.width == b.width;
}

}  // namespace

std::pair<at::Tensor, at::Tensor> RainFusionAccelerator::mask_recall_rows_for(const VideoLayout& layout, const at::Device& device) {
  if (!recall_layout_ || !same_layout(*recall_layout_, layout) || recall_mask_rows_.device() != device) {
    recall_rows_ = mask_recall_rows(layout, settings_.first_frame_sink);
    std::vector<at::Tensor> rows;
    for (const HeadPattern p : {HeadPattern::kSpatial, HeadPattern::kTemporal, HeadPattern::kTextural}) {
      rows.push_back(pattern_mask_rows(p, layout, settings_.sparsity, settings_.block_size, settings_.textural_stride,
                                       settings_.first_frame_sink, settings_.temporal_order, recall_rows_));
    }
    recall_mask_rows_ = at::stack(rows).to(device, at::kFloat);  // float once, not at every call
    recall_layout_ = layout;
  }
  return {recall_rows_, recall_mask_rows_};
}

RainFusionAccelerator::RainFusionAccelerator(RainFusionSettings settings) : settings_(settings), reuse_(settings.decide_every) {
  TORCH_CHECK(settings_.sparsity >= 0.0 && settings_.sparsity <= 1.0, "rainfusion: sparsity ", settings_.sparsity, " is outside [0, 1]");
  TORCH_CHECK(settings_.warmup >= 0.0 && settings_.warmup <= 1.0, "rainfusion: warmup ", settings_.warmup, " is outside [0, 1]");
  TORCH_CHECK(settings_.block_size >= 1, "rainfusion: block_size ", settings_.block_size, " must be positive");
  TORCH_CHECK(settings_.textural_stride >= 1, "rainfusion: textural_stride ", settings_.textural_stride, " must be positive");
}

void RainFusionAccelerator::begin_step(int step, int num_steps) {
  TORCH_CHECK(num_steps >= 1 && step >= 0 && step < num_steps, "rainfusion: step ", step, " is outside 0..", num_steps - 1);
  const auto warmup_steps = static_cast<int>(std::ceil(settings_.warmup * num_steps));
  dense_ = step < warmup_steps;
  step_ = step;
  if (step == 0) reuse_.clear();
  stats_.heads_per_pattern_per_step.push_back({0, 0, 0});
}

const at::Tensor& RainFusionAccelerator::masks_for(const VideoLayout& layout, const at::Device& device) {
  if (!mask_layout_ || !same_layout(*mask_layout_, layout) || masks_.device() != device) {
    const auto make = [&](HeadPattern p) {
      return pattern_mask(p, layout, settings_.sparsity, settings_.block_size, settings_.textural_stride, settings_.first_frame_sink,
                          settings_.temporal_order);
    };
    masks_ = at::stack({make(HeadPattern::kSpatial), make(HeadPattern::kTemporal), make(HeadPattern::kTextural)}).to(device);
    const auto density = masks_.flatten(1).to(at::kFloat).mean(1).to(at::kCPU);
    stats_.pattern_density = {density[0].item<double>(), density[1].item<double>(), density[2].item<double>()};
    mask_layout_ = layout;
  }
  return masks_;
}

at::Tensor RainFusionAccelerator::choose_patterns(int layer, const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout) {
  if (const at::Tensor* kept = reuse_.reusable(layer, step_, q.size(0), q.size(1))) {
    ++stats_.pattern_reuses;
    return *kept;
  }
  at::Tensor patterns;
  if (is_random(settings_.decision)) {
    patterns = random_head_patterns(settings_.random_seed, step_, layer, q.size(0), q.size(1), first_head_,
                                    random_pattern_count(settings_.decision));
  } else if (settings_.decision == PatternDecision::kMaskRecall) {
    const auto [recall_rows, mask_rows] = mask_recall_rows_for(layout, q.device());
    patterns = recognise_patterns_by_mask_recall(q, k, recall_rows, mask_rows).patterns;
  } else {
    const ArmOptions options{settings_.sparsity, settings_.alpha, settings_.decision == PatternDecision::kThreeWay,
                             settings_.first_frame_sink};
    patterns = recognise_patterns(q, k, layout, options).patterns;
  }
  ++stats_.pattern_decisions;
  if (const at::Tensor* previous = reuse_.latest(layer); previous && previous->sizes() == patterns.sizes()) {
    const at::Tensor before = previous->to(at::kCPU).contiguous(), now = patterns.to(at::kCPU).contiguous();
    const std::int64_t* a = before.const_data_ptr<std::int64_t>();
    const std::int64_t* b = now.const_data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < now.numel(); ++i) stats_.heads_changed += a[i] != b[i];
    stats_.heads_compared += now.numel();
  }
  reuse_.store(layer, step_, patterns);
  return patterns;
}

at::Tensor RainFusionAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                            const VideoLayout& layout, const RowSelection& rows) {
  TORCH_CHECK(rows.all(), "rainfusion attention (layer ", layer, ") computes every row; got a row selection");
  TORCH_CHECK(q.dim() == 4 && q.size(2) == layout.total_tokens(), "rainfusion attention (layer ", layer, "): q must be [B, h, ",
              layout.total_tokens(), ", d]; got ", q.sizes());
  TORCH_CHECK(k.sizes() == q.sizes() && v.size(2) == q.size(2), "rainfusion attention (layer ", layer, "): k ", k.sizes(), " and v ",
              v.sizes(), " must match q ", q.sizes());
  if (dense_) {
    const auto start = Clock::now();
    at::Tensor out = at::scaled_dot_product_attention(q, k, v);
    stats_.attention_seconds += seconds_since(start);
    return out;
  }
  auto start = Clock::now();
  const at::Tensor patterns = choose_patterns(layer, q, k, layout);
  stats_.arm_seconds += seconds_since(start);

  start = Clock::now();
  if (stats_.heads_per_pattern_per_step.empty()) stats_.heads_per_pattern_per_step.push_back({0, 0, 0});
  auto& counts = stats_.heads_per_pattern_per_step.back();
  if (attention_kernels_available(q, k, v)) {
    if (!kernel_plan_ || !plan_matches(*kernel_plan_, layout, settings_.sparsity, settings_.block_size, settings_.textural_stride,
                                       settings_.first_frame_sink, q.device(), settings_.temporal_order)) {
      kernel_plan_ = make_rainfusion_kernel_plan(layout, settings_.sparsity, settings_.block_size, settings_.textural_stride,
                                                 settings_.first_frame_sink, q.device(), settings_.temporal_order);
    }
    for (int p = 0; p < kNumHeadPatterns; ++p) counts[p] += (patterns == p).sum().item<std::int64_t>();
    at::Tensor out = rainfusion_kernel_attention(*kernel_plan_, q, k, v, patterns);
    stats_.attention_seconds += seconds_since(start);
    return out;
  }
  const at::Tensor& masks = masks_for(layout, q.device());
  at::Tensor out = at::empty({q.size(0), q.size(1), q.size(2), v.size(3)}, v.options());
  for (std::int64_t b = 0; b < q.size(0); ++b) {
    for (int p = 0; p < kNumHeadPatterns; ++p) {
      const at::Tensor heads = (patterns[b] == p).nonzero().flatten();
      counts[p] += heads.numel();
      if (heads.numel() == 0) continue;
      const at::Tensor index = heads.to(q.device());
      const at::Tensor o = at::scaled_dot_product_attention(q[b].index_select(0, index), k[b].index_select(0, index),
                                                            v[b].index_select(0, index), masks[p]);
      out[b].index_copy_(0, index, o);
    }
  }
  stats_.attention_seconds += seconds_since(start);
  return out;
}

at::Tensor RainFusionAccelerator::finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) {
  TORCH_CHECK(rows.all(), "rainfusion finish_block (layer ", layer, ") expects every row");
  return video_out;
}

}  // namespace astraea::attention

// RainFusion on the block-sparse kernel (rainfusion_kernels.h). CPU: the GPU-built block lists
// against to_block_mask() of the reference pattern masks, and the whole per-head computation
// (through the bridge's CPU fallback) against a double-precision softmax under the block-expanded
// reference masks. GPU ([gpu]): RainFusionAccelerator on sm_90 against the same computation on
// the CPU from the same inputs, and its textural heads against the accelerator's CPU reference.
#include "attention/arm.h"
#include "attention/kernel_bridge.h"
#include "attention/rainfusion_accelerator.h"
#include "attention/rainfusion_kernels.h"
#include "attention/rainfusion_masks.h"
#include "support/catch.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <cmath>

#ifdef SKIP
#define ASTRAEA_GPU_SKIP(message) SKIP(message)
#else
#define ASTRAEA_GPU_SKIP(message) \
  do {                            \
    WARN(message);                \
    return;                       \
  } while (0)
#endif

using namespace astraea::attention;

namespace {

// 226 text tokens and 5 frames of 9 x 13 patches: S = 811, nothing aligned to 128.
const VideoLayout kLayout{226, 5, 9, 13};

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) { return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>(); }

// [Mq, Nk] bool of kept blocks from a block list.
at::Tensor kept(const at::Tensor& num, const at::Tensor& idx) {
  const at::Tensor n = num.cpu().to(at::kLong), i = idx.cpu().to(at::kLong);
  at::Tensor out = at::zeros({i.size(0), i.size(1)}, at::kBool);
  for (std::int64_t r = 0; r < i.size(0); ++r) {
    for (std::int64_t j = 0; j < n[r].item<std::int64_t>(); ++j) out[r][i[r][j].item<std::int64_t>()] = true;
  }
  return out;
}

// The element mask with every 128 x 128 block that it touches filled in.
at::Tensor block_expanded(const at::Tensor& mask) {
  const BlockMask bm = to_block_mask(mask, 128);
  const std::int64_t s = mask.size(0);
  return kept(bm.kv_num_blocks, bm.kv_indices).repeat_interleave(128, 0).repeat_interleave(128, 1).slice(0, 0, s).slice(1, 0, s);
}

// Per-pattern [S, S] masks in frame-major order as the kernel path applies them: spatial and
// temporal block-expanded in their band order, textural exact.
at::Tensor kernel_masks(const VideoLayout& layout, double sparsity, int stride, bool sink) {
  const at::Tensor spatial = block_expanded(pattern_mask(HeadPattern::kSpatial, layout, sparsity, 128, stride, sink));
  const at::Tensor order = rainfusion_temporal_order(layout, sink);
  const at::Tensor inverse = at::argsort(order);
  const at::Tensor temporal_band = pattern_mask(HeadPattern::kTemporal, layout, sparsity, 128, stride, sink).index_select(0, order).index_select(1, order);
  const at::Tensor temporal = block_expanded(temporal_band).index_select(0, inverse).index_select(1, inverse);
  const at::Tensor textural = pattern_mask(HeadPattern::kTextural, layout, sparsity, 128, stride, sink);
  return at::stack({spatial, temporal, textural});
}

// Per-head softmax in double under masks[patterns[b, h]].
at::Tensor masked_double(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& masks, const at::Tensor& patterns) {
  const at::Tensor qd = q.cpu().to(at::kDouble), kd = k.cpu().to(at::kDouble), vd = v.cpu().to(at::kDouble);
  const at::Tensor s = at::matmul(qd, kd.transpose(-2, -1)) / std::sqrt(double(q.size(3)));
  const at::Tensor m = masks.index_select(0, patterns.cpu().flatten()).view({q.size(0), q.size(1), q.size(2), q.size(2)});
  return at::matmul(at::softmax(s.masked_fill(m.logical_not(), -INFINITY), -1), vd);
}

}  // namespace

TEST_CASE("rainfusion band blocks are the block view of the reference masks", "[rainfusion_kernels]") {
  for (const bool sink : {true, false}) {
    for (const double sparsity : {0.0, 0.5, 0.8}) {
      INFO("sink " << sink << ", sparsity " << sparsity);
      const RainFusionKernelPlan plan = make_rainfusion_kernel_plan(kLayout, sparsity, 128, 2, sink, at::kCPU);
      const at::Tensor band = kept(plan.band_num_blocks, plan.band_indices);
      const BlockMask spatial = to_block_mask(pattern_mask(HeadPattern::kSpatial, kLayout, sparsity, 128, 2, sink), 128);
      CHECK(at::equal(band, kept(spatial.kv_num_blocks, spatial.kv_indices)));
      const at::Tensor order = rainfusion_temporal_order(kLayout, sink);
      CHECK(at::equal(std::get<0>(order.sort()), at::arange(kLayout.total_tokens(), at::kLong)));
      const at::Tensor temporal_mask = pattern_mask(HeadPattern::kTemporal, kLayout, sparsity, 128, 2, sink);
      const BlockMask temporal = to_block_mask(temporal_mask.index_select(0, order).index_select(1, order), 128);
      CHECK(at::equal(band, kept(temporal.kv_num_blocks, temporal.kv_indices)));
      // Every query keeps the same textural keys.
      const at::Tensor textural = pattern_mask(HeadPattern::kTextural, kLayout, sparsity, 128, 3, sink);
      CHECK(at::equal(rainfusion_textural_keys(kLayout, 3, sink), textural[0].nonzero().flatten()));
    }
  }
}

TEST_CASE("rainfusion kernel attention equals per-head softmax under the block-expanded masks", "[rainfusion_kernels]") {
  at::manual_seed(21);
  const std::int64_t b = 2, h = 4, s = kLayout.total_tokens(), d = 16;
  const at::Tensor q = at::randn({b, h, s, d}), k = at::randn({b, h, s, d}), v = at::randn({b, h, s, d});
  const at::Tensor patterns = at::tensor({0, 1, 2, 1, 2, 2, 0, 1}, at::kLong).view({b, h});
  const RainFusionKernelPlan plan = make_rainfusion_kernel_plan(kLayout, 0.6, 128, 2, true, at::kCPU);
  const at::Tensor got = rainfusion_kernel_attention(plan, q, k, v, patterns);
  CHECK(max_abs_diff(got, masked_double(q, k, v, kernel_masks(kLayout, 0.6, 2, true), patterns)) <= 1e-5);
  // Only textural heads, and only band heads.
  for (const std::int64_t code : {0, 1, 2}) {
    INFO("every head has pattern " << code);
    const at::Tensor same = at::full({b, h}, code, at::kLong);
    CHECK(max_abs_diff(rainfusion_kernel_attention(plan, q, k, v, same), masked_double(q, k, v, kernel_masks(kLayout, 0.6, 2, true), same)) <=
          1e-5);
  }
}

TEST_CASE("rainfusion accelerator on sm_90 matches its CPU computation", "[rainfusion_kernels][gpu]") {
  if (!at::hasCUDA()) ASTRAEA_GPU_SKIP("no GPU: rainfusion GPU test skipped");
  at::manual_seed(22);
  const VideoLayout layout{226, 9, 16, 20};  // S = 3106
  const std::int64_t b = 2, h = 6, s = layout.total_tokens();
  for (const std::int64_t d : {64, 128}) {
    const auto options = at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16);
    const at::Tensor q = at::randn({b, h, s, d}, options), k = at::randn({b, h, s, d}, options), v = at::randn({b, h, s, d}, options);
    if (!attention_kernels_available(q, k, v)) ASTRAEA_GPU_SKIP("no sm_90 GPU: rainfusion GPU test skipped");
    RainFusionSettings settings;
    settings.sparsity = 0.6;
    // alpha between the two middle recalls (no head on the threshold), so that the heads split over the three patterns.
    ArmOptions arm{settings.sparsity, 0.0, true, settings.first_frame_sink};
    const ArmResult recall = recognise_patterns(q, k, layout, arm);
    const at::Tensor all = at::cat({recall.temporal_recall.flatten(), recall.spatial_recall.flatten()});
    const at::Tensor sorted = std::get<0>(all.to(at::kDouble).sort());
    settings.alpha = 0.5 * (sorted[all.numel() / 2 - 1].item<double>() + sorted[all.numel() / 2].item<double>());
    arm.alpha = settings.alpha;
    const at::Tensor patterns = recognise_patterns(q, k, layout, arm).patterns;
    INFO("head dim " << d << ", alpha " << settings.alpha << ", patterns " << patterns);

    RainFusionAccelerator gpu(settings);
    gpu.begin_step(5, 10);
    const at::Tensor out = gpu.attention(0, q, k, v, layout, {});
    REQUIRE(out.is_cuda());
    const auto& counts = gpu.stats().heads_per_pattern_per_step.back();
    CHECK(counts[0] + counts[1] + counts[2] == b * h);

    // The same computation on the CPU in float32 (the bridge's reference) from the same inputs.
    const RainFusionKernelPlan plan = make_rainfusion_kernel_plan(layout, settings.sparsity, settings.block_size, settings.textural_stride,
                                                                  settings.first_frame_sink, at::kCPU);
    const at::Tensor qc = q.cpu().to(at::kFloat), kc = k.cpu().to(at::kFloat), vc = v.cpu().to(at::kFloat);
    const at::Tensor want = rainfusion_kernel_attention(plan, qc, kc, vc, patterns);
    const double error = max_abs_diff(out.cpu(), want);
    const double bf16_rounding = max_abs_diff(want.to(at::kBFloat16), want);
    INFO("max |gpu - cpu| " << error << ", bf16 rounding of the output " << bf16_rounding);
    CHECK(error <= 4 * bf16_rounding + 1e-3);

    // Textural heads are exact, so they match the accelerator's CPU reference (element masks) too.
    RainFusionAccelerator cpu(settings);
    cpu.begin_step(5, 10);
    const at::Tensor reference = cpu.attention(0, qc, kc, vc, layout, {});
    const at::Tensor textural = (patterns == static_cast<std::int64_t>(HeadPattern::kTextural)).view({b, h, 1, 1}).expand_as(reference);
    if (textural.any().item<bool>()) {
      CHECK(max_abs_diff(out.cpu().masked_select(textural), reference.masked_select(textural)) <= 4 * bf16_rounding + 1e-3);
    }
  }
}

#include "attention/arm.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

namespace astraea::attention {
namespace {

// First frame that is not the sink; with a single frame the sink is the only frame to sample.
int first_banded_frame(const VideoLayout& layout, bool first_frame_sink) { return first_frame_sink && layout.frames > 1 ? 1 : 0; }

// Band half-width floor(b * S') on a sample of S' tokens.
std::int64_t half_width_for(const TokenProgression& sample, double sparsity) {
  return static_cast<std::int64_t>(std::floor(bandwidth_for_sparsity(sparsity) * static_cast<double>(sample.count)));
}

}  // namespace

TokenProgression arm_local_progression(const VideoLayout& layout, bool first_frame_sink) {
  const std::int64_t start = layout.text_tokens + first_banded_frame(layout, first_frame_sink) * layout.frame_tokens();
  return {start, 1, layout.frame_tokens()};
}

TokenProgression arm_global_progression(const VideoLayout& layout, bool first_frame_sink) {
  const int first = first_banded_frame(layout, first_frame_sink);
  const std::int64_t omega = std::max(layout.frames - first, 1);
  const std::int64_t start = layout.text_tokens + first * layout.frame_tokens();
  return {start, omega, (layout.total_tokens() - start + omega - 1) / omega};
}

at::Tensor arm_local_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device) {
  return arm_local_progression(layout, first_frame_sink).positions(device);
}

at::Tensor arm_global_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device) {
  return arm_global_progression(layout, first_frame_sink).positions(device);
}

ArmResult recognise_patterns(const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout, const ArmOptions& options) {
  TORCH_CHECK(q.dim() == 4 && q.size(2) == layout.total_tokens(), "arm: q must be [B, h, ", layout.total_tokens(), ", d]; got ",
              q.sizes());
  TORCH_CHECK(k.sizes() == q.sizes(), "arm: k ", k.sizes(), " must match q ", q.sizes());
  TORCH_CHECK(layout.frames >= 1 && layout.frame_tokens() >= 1, "arm: the layout has no video tokens");
  ArmResult r;
  // Both samples in one launch; the recalls reach the host after one stream synchronisation.
  const TokenProgression local = arm_local_progression(layout, options.first_frame_sink);
  const TokenProgression global = arm_global_progression(layout, options.first_frame_sink);
  const at::Tensor recalls =
      sampled_band_recalls_on_host(q, k, {local, global}, {half_width_for(local, options.sparsity), half_width_for(global, options.sparsity)});
  r.temporal_recall = recalls[0];
  r.spatial_recall = recalls[1];
  // B x h decisions, made in a loop on the host: a handful of ATen operations on tensors this
  // small would cost more than the kernel that measured them.
  r.patterns = at::empty(r.temporal_recall.sizes(), at::kLong);
  const float* rt = r.temporal_recall.const_data_ptr<float>();
  const float* rs = r.spatial_recall.const_data_ptr<float>();
  std::int64_t* out = r.patterns.mutable_data_ptr<std::int64_t>();
  const auto alpha = static_cast<float>(options.alpha);  // compared in float, as the recalls are
  for (std::int64_t i = 0; i < r.patterns.numel(); ++i) {
    HeadPattern p;
    if (options.three_way) {
      p = rt[i] >= alpha ? HeadPattern::kTemporal : (rs[i] >= alpha ? HeadPattern::kSpatial : HeadPattern::kTextural);
    } else {
      p = rt[i] > 0.95f || rt[i] > rs[i] ? HeadPattern::kTemporal : HeadPattern::kSpatial;
    }
    out[i] = static_cast<std::int64_t>(p);
  }
  return r;
}

at::Tensor mask_recall_rows(const VideoLayout& layout, bool first_frame_sink, std::int64_t max_rows) {
  TORCH_CHECK(max_rows >= 1, "arm: max_rows ", max_rows, " must be positive");
  constexpr std::uint64_t kRowSeed = 0x6d61736b;  // fixed: the same rows for a layout every call
  const std::int64_t start = layout.text_tokens + first_banded_frame(layout, first_frame_sink) * layout.frame_tokens();
  const std::int64_t count = layout.total_tokens() - start;
  if (count <= max_rows) return at::arange(start, layout.total_tokens(), at::kLong);
  auto generator = at::detail::createCPUGenerator(kRowSeed);
  return std::get<0>(at::sort(at::randperm(count, generator, at::kLong).narrow(0, 0, max_rows))) + start;
}

ArmResult recognise_patterns_by_mask_recall(const at::Tensor& q, const at::Tensor& k, const at::Tensor& rows, const at::Tensor& mask_rows) {
  TORCH_CHECK(q.dim() == 4 && k.sizes() == q.sizes(), "arm mask recall: q and k must be [B, h, S, d] of one shape; got ", q.sizes(), " and ",
              k.sizes());
  TORCH_CHECK(rows.dim() == 1 && rows.size(0) >= 1, "arm mask recall: rows must be a non-empty 1-D tensor; got ", rows.sizes());
  TORCH_CHECK(mask_rows.dim() == 3 && mask_rows.size(0) == kNumHeadPatterns && mask_rows.size(1) == rows.size(0) &&
                  mask_rows.size(2) == q.size(2),
              "arm mask recall: mask_rows must be [", kNumHeadPatterns, ", ", rows.size(0), ", ", q.size(2), "]; got ", mask_rows.sizes());
  constexpr std::int64_t kChunkElements = std::int64_t{1} << 26;  // float32 probabilities per chunk of heads: 256 MiB
  const std::int64_t batch = q.size(0), heads = q.size(1), n = rows.size(0), s = q.size(2);
  const std::int64_t chunk = std::max<std::int64_t>(1, kChunkElements / std::max<std::int64_t>(1, batch * n * s));
  const at::Tensor qs = q.index_select(2, rows.to(q.device(), at::kLong)).to(at::kFloat);
  const at::Tensor masks = mask_rows.to(q.device(), at::kFloat);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  std::vector<at::Tensor> parts;
  for (std::int64_t h0 = 0; h0 < heads; h0 += chunk) {
    const std::int64_t hc = std::min(chunk, heads - h0);
    const at::Tensor probs = at::softmax(at::matmul(qs.narrow(1, h0, hc), k.narrow(1, h0, hc).to(at::kFloat).transpose(-2, -1)) * scale, -1);
    parts.push_back(at::einsum("bhns,pns->pbh", {probs, masks}) / static_cast<double>(n));
  }
  const at::Tensor recall = at::cat(parts, 2).cpu();  // [3, B, h]
  ArmResult r;
  r.spatial_recall = recall[static_cast<int>(HeadPattern::kSpatial)];
  r.temporal_recall = recall[static_cast<int>(HeadPattern::kTemporal)];
  r.textural_recall = recall[static_cast<int>(HeadPattern::kTextural)];
  const auto code = [](HeadPattern p) { return static_cast<std::int64_t>(p); };
  at::Tensor best = at::full({batch, heads}, code(HeadPattern::kTemporal), at::kLong);
  at::Tensor best_recall = r.temporal_recall.clone();
  for (const HeadPattern p : {HeadPattern::kSpatial, HeadPattern::kTextural}) {
    const at::Tensor candidate = recall[static_cast<int>(p)];
    const at::Tensor better = candidate > best_recall;
    best = at::where(better, code(p), best);
    best_recall = at::where(better, candidate, best_recall);
  }
  r.patterns = best;
  return r;
}

}  // namespace astraea::attention

#include "attention/astraea_accelerator.h"

#include "attention/kernel_bridge.h"
#include "attention/token_rows.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace astraea::attention {
namespace {

// Float32 score elements per attention chunk (B * h * rows * Skv): 256 MiB of scores.
constexpr std::int64_t kChunkScoreElements = std::int64_t{1} << 26;
constexpr std::int64_t kMaxChunkRows = 1024;

// The selection score on the CPU for float32 tensors: the same formula as the tensor expression
// in AstraeaAccelerator::scores (and the same float32 distances), with the normalisation and the
// staleness term in one pass per batch element instead of twenty-odd small operations, which
// dominate selection at laptop sizes.
at::Tensor cpu_scores(const at::Tensor& video, const at::Tensor& x_last, const at::Tensor& lse_prev, const at::Tensor& n_skip, double w_alpha,
                      double w_beta) {
  const auto delta = row_distance(video, x_last).contiguous();  // float32 [B, n]
  const auto lse = lse_prev.contiguous(), skips = n_skip.contiguous();
  const std::int64_t batch = delta.size(0), n = delta.size(1);
  auto out = at::empty({batch, n}, delta.options().dtype(at::kDouble));
  const float* dp = delta.data_ptr<float>();
  const float* ep = lse.data_ptr<float>();
  const std::int32_t* sp = skips.data_ptr<std::int32_t>();
  double* op = out.data_ptr<double>();
  for (std::int64_t b = 0; b < batch; ++b) {
    double low = INFINITY, high = -INFINITY;
    for (std::int64_t row = b * n; row < (b + 1) * n; ++row) {
      op[row] = static_cast<double>(ep[row]) * static_cast<double>(dp[row]);
      low = std::min(low, op[row]);
      high = std::max(high, op[row]);
    }
    const double range = high - low;
    for (std::int64_t row = b * n; row < (b + 1) * n; ++row) {
      const double normalised = range > 0 ? (op[row] - low) / range : 0.0;
      op[row] = w_alpha * normalised + w_beta * std::exp(static_cast<double>(sp[row]));
    }
  }
  return out;
}

// The `k` highest of each row of CPU scores [B, n] (ties to the lower index), ascending: what
// topk then sort give, by partial selection over n indices instead of two sorting operations.
at::Tensor cpu_top_rows(const at::Tensor& scores, std::int64_t k) {
  const auto s = scores.contiguous();
  const std::int64_t batch = s.size(0), n = s.size(1);
  auto out = at::empty({batch, k}, s.options().dtype(at::kLong));
  const double* sp = s.data_ptr<double>();
  std::int64_t* op = out.data_ptr<std::int64_t>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t b = 0; b < batch; ++b) {
    const double* row = sp + b * n;
    std::iota(order.begin(), order.end(), std::int64_t{0});
    const auto higher = [row](std::int64_t i, std::int64_t j) { return row[i] > row[j] || (row[i] == row[j] && i < j); };
    std::nth_element(order.begin(), order.begin() + k, order.end(), higher);
    std::sort(order.begin(), order.begin() + k);
    std::copy(order.begin(), order.begin() + k, op + b * k);
  }
  return out;
}

}  // namespace

AttentionWithLse attention_with_lse(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t chunk_rows) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "astraea attention: q, k, v must be [B, h, S, d], got ", q.sizes(), ", ", k.sizes(),
              ", ", v.sizes());
  TORCH_CHECK(k.sizes() == v.sizes() && q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "astraea attention: incompatible q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
  const std::int64_t rows = q.size(2);
  if (chunk_rows <= 0) {
    const std::int64_t per_row = std::max<std::int64_t>(1, q.size(0) * q.size(1) * k.size(2));
    chunk_rows = std::clamp<std::int64_t>(kChunkScoreElements / per_row, 1, kMaxChunkRows);
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  const auto kt = k.to(at::kFloat).transpose(-2, -1);
  const auto vf = v.to(at::kFloat);
  auto out = at::empty(q.sizes(), q.options());
  auto lse = at::empty({q.size(0), q.size(1), rows}, q.options().dtype(at::kFloat));
  for (std::int64_t begin = 0; begin < rows; begin += chunk_rows) {
    const std::int64_t end = std::min(rows, begin + chunk_rows);
    const auto scores = at::matmul(q.slice(2, begin, end).to(at::kFloat), kt).mul_(scale);
    const auto row_lse = at::logsumexp(scores, -1, /*keepdim=*/true);
    out.slice(2, begin, end).copy_(at::matmul(scores.sub_(row_lse).exp_(), vf));
    lse.slice(2, begin, end).copy_(row_lse.squeeze(-1));
  }
  return {out, lse};
}

AttentionWithLse fused_attention_with_lse(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (!q.is_cpu() || !at::isFloatingType(q.scalar_type())) return attention_with_lse(q, k, v);
  auto [out, lse] = at::_scaled_dot_product_flash_attention_for_cpu(q, k, v);
  return {out, lse.to(at::kFloat)};
}

AstraeaAccelerator::AstraeaAccelerator(AstraeaSettings settings) : settings_(std::move(settings)) {
  if (settings_.budget.empty()) fail("astraea: the budget needs at least one theta value");
  for (std::size_t i = 0; i < settings_.budget.size(); ++i) {
    const double theta = settings_.budget[i];
    if (!(theta >= 0.0 && theta <= 1.0)) fail("astraea: budget[{}] = {} is outside [0, 1]", i, theta);
  }
  if (!(settings_.w_alpha >= 0.0) || !std::isfinite(settings_.w_alpha)) fail("astraea: w_alpha = {} must be finite and >= 0", settings_.w_alpha);
  if (!(settings_.w_beta > 0.0) || !std::isfinite(settings_.w_beta)) fail("astraea: w_beta = {} must be finite and > 0", settings_.w_beta);
  if (settings_.dense_steps < 0) fail("astraea: dense_steps = {} must be >= 0", settings_.dense_steps);
  if (settings_.selection_shards < 1) fail("astraea: selection_shards = {} must be >= 1", settings_.selection_shards);
}

void AstraeaAccelerator::begin_step(int step, int num_steps) {
  if (num_steps <= 0 || step < 0 || step >= num_steps) fail("astraea: step {} is outside 0..{}", step, num_steps - 1);
  const auto size = static_cast<int>(settings_.budget.size());
  if (size != 1 && size != num_steps) fail("astraea: the budget has {} values for {} steps (need 1 or {})", size, num_steps, num_steps);
  if (step == 0) layers_.clear();
  step_ = step;
  theta_ = settings_.budget[size == 1 ? 0 : step];
  dense_step_ = step < settings_.dense_steps;
}

std::int64_t AstraeaAccelerator::rows_for(std::int64_t video_tokens) const {
  const auto k = static_cast<std::int64_t>(std::llround(theta_ * static_cast<double>(video_tokens)));
  return std::clamp<std::int64_t>(k, std::min(kMinRows, video_tokens), video_tokens);
}

std::vector<std::int64_t> AstraeaAccelerator::rows_per_slice(std::int64_t video_tokens) const {
  std::vector<std::int64_t> rows;
  for (int p = 0; p < settings_.selection_shards; ++p) rows.push_back(rows_for(even_slice(video_tokens, p, settings_.selection_shards).size()));
  return rows;
}

at::Tensor AstraeaAccelerator::scores(const LayerState& s, const at::Tensor& video, TokenRange slice) const {
  const auto part = [&](const at::Tensor& t) { return t.slice(1, slice.begin, slice.end); };
  if (video.device().is_cpu() && video.scalar_type() == at::kFloat && s.x_in_last.scalar_type() == at::kFloat) {
    return cpu_scores(part(video), part(s.x_in_last), part(s.lse_prev), part(s.n_skip), settings_.w_alpha, settings_.w_beta);
  }
  const auto delta = row_distance(part(video), part(s.x_in_last)).to(at::kDouble);  // [B, n]
  const auto significance = part(s.lse_prev).to(at::kDouble) * delta;
  const auto low = std::get<0>(significance.min(1, /*keepdim=*/true));
  const auto range = std::get<0>(significance.max(1, /*keepdim=*/true)) - low;
  const auto normalised = at::where(range > 0, (significance - low) / at::where(range > 0, range, at::ones_like(range)), at::zeros_like(range));
  return settings_.w_alpha * normalised + settings_.w_beta * part(s.n_skip).to(at::kDouble).exp();
}

std::int64_t AstraeaAccelerator::rows_selected(int layer, std::int64_t video_tokens) const {
  if (state(layer).every_row_this_step) return video_tokens;
  const auto rows = rows_per_slice(video_tokens);
  return std::accumulate(rows.begin(), rows.end(), std::int64_t{0});
}

RowSelection AstraeaAccelerator::select_rows(int layer, const at::Tensor& video) {
  if (step_ < 0) fail("astraea: select_rows (layer {}) before begin_step", layer);
  TORCH_CHECK(video.dim() == 3, "astraea: select_rows (layer ", layer, ") needs video [B, N, D], got ", video.sizes());
  const std::int64_t batch = video.size(0), tokens = video.size(1);
  auto found = layers_.find(layer);
  const bool first = found == layers_.end();
  if (!first) {
    TORCH_CHECK(found->second.cache_out.sizes() == video.sizes(), "astraea: layer ", layer, " saw video ", found->second.cache_out.sizes(),
                " before and ", video.sizes(), " now");
  }
  auto& s = layers_[layer];
  const auto rows = rows_per_slice(tokens);
  std::int64_t k = 0;
  bool every_row = true;
  for (int p = 0; p < settings_.selection_shards; ++p) {
    k += rows[static_cast<std::size_t>(p)];
    every_row = every_row && rows[static_cast<std::size_t>(p)] >= even_slice(tokens, p, settings_.selection_shards).size();
  }
  s.every_row_this_step = first || dense_step_;
  if (first || dense_step_ || every_row) {
    if (first) {
      const auto options = video.options();
      s.cache_out = at::zeros_like(video);
      s.lse_prev = at::zeros({batch, tokens}, options.dtype(at::kFloat));
      s.n_skip = at::zeros({batch, tokens}, options.dtype(at::kInt));
    }
    s.x_in_last = video.clone();
    s.selection = {};
    return s.selection;
  }
  if (k == 0) {
    // theta = 0: no video row is recomputed; the caches and x_in_last stay as they are.
    s.selection = RowSelection{at::empty({batch, 0}, video.options().dtype(at::kLong))};
    return s.selection;
  }
  // Each slice's top rows, ascending within it; the slices are in order, so the whole is ascending.
  std::vector<at::Tensor> picked;
  for (int p = 0; p < settings_.selection_shards; ++p) {
    const auto slice = even_slice(tokens, p, settings_.selection_shards);
    const auto k_here = rows[static_cast<std::size_t>(p)];
    const auto slice_scores = scores(s, video, slice);
    const auto ascending = slice_scores.is_cpu() && k_here > 0 ? cpu_top_rows(slice_scores, k_here)
                                                                : std::get<0>(std::get<1>(slice_scores.topk(k_here, 1)).sort(1));
    picked.push_back(slice.begin == 0 ? ascending : ascending + slice.begin);
  }
  const auto idx = picked.size() == 1 ? picked.front() : at::cat(picked, 1);
  s.selection = selection_of(idx, tokens);
  s.x_in_last = scatter_rows(s.x_in_last, s.selection, gather_rows(video, s.selection));
  return s.selection;
}

at::Tensor AstraeaAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                                         const RowSelection& rows) {
  const std::int64_t video_rows = q.size(2) - layout.text_tokens;
  TORCH_CHECK(video_rows >= 0 && (rows.all() || rows.indices.size(1) == video_rows), "astraea attention (layer ", layer, "): q has ", q.size(2),
              " rows for ", layout.text_tokens, " text tokens and ", rows.all() ? std::string("every") : std::to_string(rows.indices.size(1)),
              " video rows");
  // q holds only the text and selected rows, so this is row-subset attention over every key; on
  // CUDA sm_90 the fused kernel, elsewhere the reference (row_subset_attention falls back itself).
  auto result = row_subset_attention(q, k, v, at::Tensor());
  record_lse(layer, result.lse, layout, rows);
  return result.out;
}

void AstraeaAccelerator::record_lse(int layer, const at::Tensor& lse, const VideoLayout& layout, const RowSelection& rows) {
  const auto found = layers_.find(layer);
  if (found == layers_.end()) return;
  auto& s = found->second;
  TORCH_CHECK(lse.dim() == 3, "astraea record_lse (layer ", layer, "): lse must be [B, h, L + k]; got ", lse.sizes());
  const auto video_lse = lse.slice(2, layout.text_tokens).mean(1).to(at::kFloat);  // [B, rows]
  if (rows.all()) {
    TORCH_CHECK(video_lse.sizes() == s.lse_prev.sizes(), "astraea attention (layer ", layer, "): ", video_lse.size(1), " video rows for ",
                s.lse_prev.size(1), " video tokens");
    s.lse_prev = video_lse.contiguous();
  } else {
    TORCH_CHECK(video_lse.sizes() == rows.indices.sizes(), "astraea attention (layer ", layer, "): ", video_lse.size(1), " video rows for ",
                rows.indices.size(1), " selected tokens");
    s.lse_prev = scatter_rows(s.lse_prev, rows, video_lse);
  }
}

at::Tensor AstraeaAccelerator::finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) {
  const auto found = layers_.find(layer);
  if (found == layers_.end()) fail("astraea: finish_block for layer {} before its select_rows", layer);
  auto& s = found->second;
  if (rows.all()) {
    TORCH_CHECK(video_out.sizes() == s.cache_out.sizes(), "astraea finish_block (layer ", layer, "): output ", video_out.sizes(),
                " does not match the video ", s.cache_out.sizes());
    s.cache_out = video_out.clone();
    s.n_skip = at::zeros_like(s.n_skip);
    return video_out;
  }
  const auto& idx = rows.indices;
  TORCH_CHECK(video_out.dim() == 3 && video_out.size(0) == idx.size(0) && video_out.size(1) == idx.size(1) &&
                  video_out.size(2) == s.cache_out.size(2),
              "astraea finish_block (layer ", layer, "): output ", video_out.sizes(), " does not match ", idx.sizes(), " selected rows");
  // Out of place: a cache tensor, once handed out, is never written again.
  s.cache_out = scatter_rows(s.cache_out, rows, video_out);
  auto skips = s.n_skip + 1;
  skips.view({-1}).index_fill_(0, flat_rows(rows, skips.size(1)), 0);
  s.n_skip = skips;
  return s.cache_out;
}

const AstraeaAccelerator::LayerState& AstraeaAccelerator::state(int layer) const {
  const auto found = layers_.find(layer);
  if (found == layers_.end()) fail("astraea: no state for layer {} yet", layer);
  return found->second;
}

const RowSelection& AstraeaAccelerator::last_selection(int layer) const { return state(layer).selection; }
const at::Tensor& AstraeaAccelerator::n_skip(int layer) const { return state(layer).n_skip; }
const at::Tensor& AstraeaAccelerator::cache(int layer) const { return state(layer).cache_out; }
const at::Tensor& AstraeaAccelerator::lse_prev(int layer) const { return state(layer).lse_prev; }
const at::Tensor& AstraeaAccelerator::x_in_last(int layer) const { return state(layer).x_in_last; }

}  // namespace astraea::attention

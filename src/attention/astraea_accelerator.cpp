#include "attention/astraea_accelerator.h"

#include "attention/kernel_bridge.h"

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

// [B, k] indices -> [B, k, D] for gather/scatter along the token dimension.
at::Tensor token_index(const at::Tensor& idx, std::int64_t width) { return idx.unsqueeze(-1).expand({idx.size(0), idx.size(1), width}); }

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
    const auto top = std::get<1>(scores(s, video, slice).topk(rows[static_cast<std::size_t>(p)], 1));
    picked.push_back(std::get<0>(top.sort(1)) + slice.begin);
  }
  const auto idx = picked.size() == 1 ? picked.front() : at::cat(picked, 1);
  const auto where = token_index(idx, video.size(2));
  s.x_in_last = s.x_in_last.scatter(1, where, at::gather(video, 1, where));
  s.selection = RowSelection{idx};
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
    s.lse_prev = s.lse_prev.scatter(1, rows.indices, video_lse);
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
  s.cache_out = s.cache_out.scatter(1, token_index(idx, video_out.size(2)), video_out.to(s.cache_out.scalar_type()));
  s.n_skip = (s.n_skip + 1).scatter_(1, idx, 0);
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

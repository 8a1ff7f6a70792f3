// ASTRAEA (METHODS.md section 1): each block recomputes only the top-k video tokens by score and
// takes every other token's output from that block's cache. Per layer it keeps the last block
// output, the block input at each token's last computation, the mean-over-heads attention LSE of
// that computation, and how many consecutive steps each token was skipped.
//
//   k     = round(theta_step * N), at least kMinRows
//   delta = || x - x_in_last ||_2 per token
//   sig   = min-max normalise(lse_prev * delta) per batch element (constant -> 0)
//   score = w_alpha * sig + w_beta * exp(n_skip)
//
// Steps before `dense_steps`, a layer's first call and k >= N compute every row. CFG halves (batch
// elements) select independently. With `selection_shards` = P the selection is balanced: the N
// tokens split into P contiguous slices (even_slice), and each takes its own top-round(theta N_p),
// normalising its significance over itself; P processes of sequence parallelism with one slice
// each select exactly as one process with P slices. A step with theta = 0 selects no video row (k = 0): every
// block's video output is its cache, bit for bit, while the text rows are still computed.
#pragma once

#include "attention/accelerator.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace astraea::attention {

struct AstraeaSettings {
  std::vector<double> budget;  // theta_i per step in [0, 1]; one value per step, or one for all steps
  double w_alpha = 1.0;        // weight of the significance term
  double w_beta = 0.5;         // weight of the staleness penalty exp(n_skip)
  int dense_steps = 1;         // leading steps that compute every row (they fill the caches)
  int selection_shards = 1;    // slices of the video tokens, each with its own top-k
};

// Exact row-subset attention: softmax(q k^T / sqrt(d)) v over every key, in float32 chunks of
// query rows. q [B, h, Sq, d], k/v [B, h, Skv, d]. `out` has q's dtype; `lse` [B, h, Sq] is the
// float32 natural-log log-sum-exp of each query row's scaled scores.
struct AttentionWithLse {
  at::Tensor out;
  at::Tensor lse;
};
AttentionWithLse attention_with_lse(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t chunk_rows = 0);

// The same result from the fused kernel that at::scaled_dot_product_attention dispatches to, where
// one returns the LSE (the CPU flash kernel: bit-identical to the dense path); otherwise
// attention_with_lse. The accelerator's attention runs through this.
AttentionWithLse fused_attention_with_lse(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

class AstraeaAccelerator final : public Accelerator {
 public:
  static constexpr std::int64_t kMinRows = 0;

  explicit AstraeaAccelerator(AstraeaSettings settings);

  std::string name() const override { return "astraea"; }
  void begin_step(int step, int num_steps) override;
  RowSelection select_rows(int layer, const at::Tensor& video) override;
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                       const RowSelection& rows) override;
  at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) override;
  bool exact_attention() const override { return true; }
  bool keeps_lse() const override { return true; }

  // Stores the head-mean LSE of the video rows of one attention call over the text and selected
  // rows (lse float32 [B, h, L + k]) as those tokens' lse_prev. attention() calls it; so do a
  // method that runs its own attention over these rows (astraea_rainfusion_accelerator.h) and
  // sequence parallelism. A layer without select_rows yet is ignored.
  void record_lse(int layer, const at::Tensor& lse, const VideoLayout& layout, const RowSelection& rows) override;
  std::int64_t rows_selected(int layer, std::int64_t video_tokens) const override;

  const AstraeaSettings& settings() const { return settings_; }
  // Theta of the current step, and the rows per batch element it asks for when N video tokens.
  double theta() const { return theta_; }
  std::int64_t rows_for(std::int64_t video_tokens) const;

  // Per-layer state, for inspection; every getter throws for a layer not yet seen.
  const RowSelection& last_selection(int layer) const;  // undefined indices: every row
  const at::Tensor& n_skip(int layer) const;            // int32 [B, N]
  const at::Tensor& cache(int layer) const;             // [B, N, D], the last block output
  const at::Tensor& lse_prev(int layer) const;          // float32 [B, N]
  const at::Tensor& x_in_last(int layer) const;         // [B, N, D]

 private:
  struct LayerState {
    at::Tensor cache_out;
    at::Tensor x_in_last;
    at::Tensor lse_prev;
    at::Tensor n_skip;
    RowSelection selection;
    bool every_row_this_step = true;  // the layer's first call or a dense step: every row, whatever N
  };

  const LayerState& state(int layer) const;
  // Scores of the video tokens [begin, end) (a selection slice): [B, end - begin], float64.
  at::Tensor scores(const LayerState& s, const at::Tensor& video, TokenRange slice) const;
  // Rows per slice for N tokens: rows_for of each slice's size.
  std::vector<std::int64_t> rows_per_slice(std::int64_t video_tokens) const;

  AstraeaSettings settings_;
  int step_ = -1;
  double theta_ = 1.0;
  bool dense_step_ = true;
  std::map<int, LayerState> layers_;
};

}  // namespace astraea::attention

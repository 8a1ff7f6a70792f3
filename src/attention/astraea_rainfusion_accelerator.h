// ASTRAEA x RainFusion, a combination neither paper makes: ASTRAEA picks the video rows each
// block recomputes (astraea_accelerator.h: scores, per-block caches, budget), and those rows
// attend under RainFusion's per-head pattern masks (rainfusion_masks.h) restricted to them: the
// rows [text, selected video tokens] of each head's [S, S] pattern mask, over every key.
//
//   step in RainFusion's warm-up   exact row-subset attention (plain ASTRAEA)
//   otherwise                      masked attention of the selected rows, in float32; its LSE
//                                  (over the kept keys) feeds ASTRAEA's scores
//
// Pattern choice. ARM (arm.h) reads the queries of its two samples, and a block projects queries
// only for the rows it recomputes. So ARM runs on the calls where the block recomputes every row
// (ASTRAEA's dense steps, a layer's first call, theta = 1), warm-up included, and its choice is
// kept per layer for the row-subset calls that follow (with decide_every = r > 1, a full-row call
// reuses a decision younger than r steps too). PatternDecision::kRandom draws per (step,
// layer, head) exactly as RainFusionAccelerator does. Budget 1 is therefore RainFusion, and
// sparsity 0 with textural stride 1 (every mask full) is ASTRAEA.
//
// Reference code on every device: dense [S, S] boolean masks, one attention per batch element
// and pattern (on the CPU the fused kernel SDPA dispatches to, with the mask rows as -inf
// additions; float32 LibTorch elsewhere, CUDA included); fine for small S, not a fast path.
#pragma once

#include "attention/accelerator.h"
#include "attention/astraea_accelerator.h"
#include "attention/pattern_reuse.h"
#include "attention/rainfusion_accelerator.h"

#include <map>
#include <optional>

namespace astraea::attention {

class AstraeaRainFusionAccelerator final : public Accelerator {
 public:
  AstraeaRainFusionAccelerator(AstraeaSettings astraea, RainFusionSettings rainfusion);

  std::string name() const override { return "astraea_rainfusion"; }
  void begin_step(int step, int num_steps) override;
  RowSelection select_rows(int layer, const at::Tensor& video) override;
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                       const RowSelection& rows) override;
  at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) override;
  // Its LSE feeds ASTRAEA's scores, but its attention is sparse: nobody else may compute it.
  bool keeps_lse() const override { return true; }
  std::int64_t rows_selected(int layer, std::int64_t video_tokens) const override { return astraea_.rows_selected(layer, video_tokens); }

  const AstraeaAccelerator& astraea() const { return astraea_; }
  const RainFusionSettings& rainfusion_settings() const { return rainfusion_; }
  bool dense_step() const { return dense_; }
  // int64 [B, h] HeadPattern codes a layer used last (throws for a layer without a sparse call).
  const at::Tensor& patterns(int layer) const;

 private:
  const at::Tensor& masks_for(const VideoLayout& layout, const at::Device& device);
  at::Tensor choose_patterns(int layer, const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout, const RowSelection& rows);

  AstraeaAccelerator astraea_;
  RainFusionSettings rainfusion_;
  bool dense_ = true;
  int step_ = -1;
  PatternReuse reuse_;  // per layer: the last decision (ARM's, or a random draw)
  std::map<int, at::Tensor> used_patterns_;  // per layer: the patterns of the last sparse call
  std::optional<VideoLayout> mask_layout_;
  at::Tensor masks_;  // [3, S, S] bool, indexed by HeadPattern
};

}  // namespace astraea::attention

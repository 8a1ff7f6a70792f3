// RainFusion (METHODS.md section 2): after a dense warm-up, every (batch element, head) gets one
// of three sparse patterns, chosen online by ARM (or, as ARM's baseline, uniformly at random per
// head: PatternDecision::kRandom), and attention runs under that pattern's mask. A layer decides
// at most every decide_every steps and reuses its decision between (pattern_reuse.h).
// On CUDA sm_90 with bf16/fp16 (attention_kernels_available) the sparse steps run on the
// block-sparse kernel (rainfusion_kernels.h: block lists built on the GPU, block-granular bands,
// exact textural gather), at any sequence length. Elsewhere the reference: the masks are dense
// [S, S] booleans fed to at::scaled_dot_product_attention, one call per (batch element, pattern)
// over the heads that chose it; fine for small S, not a fast path.
#pragma once

#include "attention/accelerator.h"
#include "attention/arm.h"
#include "attention/pattern_reuse.h"
#include "attention/rainfusion_masks.h"
#include "attention/rainfusion_kernels.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace astraea::attention {

// How each (batch element, head) gets its pattern at a sparse step.
enum class PatternDecision {
  kThreeWay,  // ARM, paper (Algorithm 1): temporal if R_t >= alpha, else spatial if R_s >= alpha, else textural
  kTwoWay,    // ARM, vendor code: temporal if R_t > 0.95 or R_t > R_s, else spatial
  kMaskRecall,  // ARM variant: the pattern whose own mask keeps the most of sampled rows' attention (arm.h)
  kRandom,    // no ARM: uniform per head over the three patterns, random_head_patterns(random_seed, step, layer, ...)
  kRandomTwoWay,  // no ARM: uniform per head over spatial and temporal, the two-way decision's baseline
};

// Whether `decision` draws patterns at random (no ARM), and over how many patterns.
inline bool is_random(PatternDecision decision) { return decision == PatternDecision::kRandom || decision == PatternDecision::kRandomTwoWay; }
inline int random_pattern_count(PatternDecision decision) { return decision == PatternDecision::kRandomTwoWay ? 2 : 3; }

struct RainFusionSettings {
  double sparsity = 0.5;
  double alpha = 0.9;
  PatternDecision decision = PatternDecision::kThreeWay;
  std::uint64_t random_seed = 0;  // master seed of the kRandom choice
  bool first_frame_sink = true;
  double warmup = 0.1;  // fraction of the steps that run dense attention
  int textural_stride = 2;
  int block_size = 128;
  TokenOrder temporal_order = TokenOrder::kTokenMajor;  // order of the temporal heads' band (layout_permutation.h)
  int decide_every = 1;  // r: a layer decides its patterns at most every r steps and reuses them between (pattern_reuse.h)
};

// Wall-clock shares are host-side steady-clock timings around the ARM and attention calls; on
// CUDA they measure launch time unless the caller synchronizes, and they are not device times.
struct RainFusionStats {
  // One entry per begin_step; heads counted over every layer and batch element, indexed by
  // HeadPattern (spatial, temporal, textural). Dense warm-up steps stay zero.
  std::vector<std::array<std::int64_t, 3>> heads_per_pattern_per_step;
  // Fraction of (query, key) pairs each pattern's mask keeps (text rows and columns included);
  // filled when the reference path builds its masks, so it stays empty on the kernel path.
  std::optional<std::array<double, 3>> pattern_density;
  double arm_seconds = 0.0;
  double attention_seconds = 0.0;
  // Sparse (layer, step) calls that decided their patterns (ARM, or a random draw), and those
  // that reused a decision made fewer than decide_every steps before.
  std::int64_t pattern_decisions = 0;
  std::int64_t pattern_reuses = 0;
  // Over decisions that follow an earlier one of the same layer: the (batch element, head) pairs
  // compared and those whose pattern changed (how stable ARM's choice is from step to step).
  std::int64_t heads_compared = 0;
  std::int64_t heads_changed = 0;
};

class RainFusionAccelerator final : public Accelerator {
 public:
  explicit RainFusionAccelerator(RainFusionSettings settings = {});

  std::string name() const override { return "rainfusion"; }
  void begin_step(int step, int num_steps) override;
  RowSelection select_rows(int, const at::Tensor&) override { return {}; }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                       const RowSelection& rows) override;
  at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) override;
  void assign_heads(std::int64_t first_head) override { first_head_ = first_head; }

  const RainFusionSettings& settings() const { return settings_; }
  const RainFusionStats& stats() const { return stats_; }
  // Whether the current step runs dense attention (warm-up).
  bool dense_step() const { return dense_; }

 private:
  // [3, S, S] bool: the pattern masks for `layout` on `device`, indexed by HeadPattern.
  const at::Tensor& masks_for(const VideoLayout& layout, const at::Device& device);
  // Mask recall's query rows and their rows of the three masks ([3, n, S] float 0/1 on `device`),
  // built on the CPU once per layout, row by row (no S x S mask, on either device).
  std::pair<at::Tensor, at::Tensor> mask_recall_rows_for(const VideoLayout& layout, const at::Device& device);
  // int64 [B, h] HeadPattern codes for this call: decided (ARM or random) or reused.
  at::Tensor choose_patterns(int layer, const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout);

  RainFusionSettings settings_;
  RainFusionStats stats_;
  bool dense_ = true;
  int step_ = -1;
  std::int64_t first_head_ = 0;
  PatternReuse reuse_;
  std::optional<VideoLayout> mask_layout_;
  at::Tensor masks_;
  std::optional<VideoLayout> recall_layout_;
  at::Tensor recall_rows_, recall_mask_rows_;
  std::optional<RainFusionKernelPlan> kernel_plan_;
};

}  // namespace astraea::attention

// RainFusion's Adaptive Recognition Module (METHODS.md section 2.2): picks a head pattern per
// (batch element, head) online from two small samples of the queries and keys.
//
//   local sample:  the tokens of one frame (the first frame after the sink); a band on it tests
//                  whether attention is spatially local inside a frame -> recall R_t (temporal)
//   global sample: every omega-th video token after the sink, omega = max(T', 1) with T' the
//                  frames after the sink (T - 1 with the sink); a band on it tests a window of
//                  frames -> R_s (spatial)
//
// Recall of a band on a sample of S' tokens = sum(softmax(q k^T / sqrt(d)) * band) / sum(softmax),
// both sums over every sampled row and column, band half-width floor(b * S'), b = 1 - sqrt(s).
#pragma once

#include "attention/band_recall_bridge.h"
#include "attention/rainfusion_masks.h"
#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace astraea::attention {

struct ArmOptions {
  double sparsity = 0.5;
  double alpha = 0.9;
  // Three-way (paper): temporal if R_t >= alpha, else spatial if R_s >= alpha, else textural.
  // Two-way (vendor code): temporal if R_t > 0.95 or R_t > R_s, else spatial.
  bool three_way = true;
  bool first_frame_sink = true;
};

struct ArmResult {
  at::Tensor patterns;         // int64 [B, h] of HeadPattern codes, on the CPU
  at::Tensor temporal_recall;  // float [B, h], R_t, on the CPU
  at::Tensor spatial_recall;   // float [B, h], R_s, on the CPU
  at::Tensor textural_recall;  // float [B, h] on the CPU; mask recall only
};

// q, k: [B, h, S, d] in frame-major order with S = layout.total_tokens().
ArmResult recognise_patterns(const at::Tensor& q, const at::Tensor& k, const VideoLayout& layout, const ArmOptions& options);

// ARM on the patterns' own masks (method.decision: mask_recall), a variant of the paper's ARM:
// instead of a band on two small samples, each pattern's recall is the mean, over sampled query
// rows, of the softmax mass over all S keys that the pattern's own mask keeps (its spatial,
// temporal and textural masks as they will run). Each (b, h) takes the pattern that keeps the
// most (ties: temporal, then spatial, then textural). rows: int64 [n] query positions; mask_rows:
// bool or float 0/1 [3, n, S], those rows of the three masks in HeadPattern order (pattern_mask_rows),
// on q's device. Costs
// 2 n S d per head (about n / S of dense attention), in float32 chunks of heads.
ArmResult recognise_patterns_by_mask_recall(const at::Tensor& q, const at::Tensor& k, const at::Tensor& rows, const at::Tensor& mask_rows);

// The query rows of mask recall (CPU int64, ascending): max_rows of the video tokens after the sink,
// drawn without replacement by a fixed-seed generator (all of them when there are fewer). Random,
// not strided: a stride aliases with the textural checkerboard (every 4th token of 7-wide frames
// lies on one of its phases), which would credit the textural mask with mass it drops.
at::Tensor mask_recall_rows(const VideoLayout& layout, bool first_frame_sink, std::int64_t max_rows = 256);

// The two samples' video-token positions in the joint sequence: both are arithmetic progressions,
// which is how ARM hands them to the fused kernel (no position tensor on the GPU).
TokenProgression arm_local_progression(const VideoLayout& layout, bool first_frame_sink);
TokenProgression arm_global_progression(const VideoLayout& layout, bool first_frame_sink);
// The same positions listed (int64, ascending) on `device`.
at::Tensor arm_local_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device = c10::kCPU);
at::Tensor arm_global_sample(const VideoLayout& layout, bool first_frame_sink, c10::Device device = c10::kCPU);

}  // namespace astraea::attention

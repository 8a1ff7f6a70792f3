// The acceleration seam. One Accelerator lives for one generation and holds all per-run state
// (caches, pattern decisions, budgets). The transformer block calls it at fixed points and never
// knows which method is running:
//
//   begin_step(step)                       once per denoising step, before the first block
//   rows = select_rows(layer, video)       which video tokens this block recomputes
//   o = attention(layer, q, k, v, layout, rows)
//   y = finish_block(layer, rows, out)     merges the recomputed tokens into the full output
#pragma once

#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

namespace astraea::attention {

// Video tokens that a block recomputes; text rows are always recomputed. Undefined `indices`
// means every video token; otherwise an int64 [B, k] tensor of ascending video-token indices
// (0..N-1) per batch element.
struct RowSelection {
  at::Tensor indices;
  bool all() const { return !indices.defined(); }
};

class Accelerator {
 public:
  virtual ~Accelerator() = default;
  virtual std::string name() const = 0;

  virtual void begin_step(int step, int num_steps) = 0;

  // video: [B, N, D], the block's video input. Returns the video tokens to recompute.
  virtual RowSelection select_rows(int layer, const at::Tensor& video) = 0;

  // q: [B, heads, L + k, d] for the text rows and the selected video rows (L + N when rows.all());
  // k, v: [B, heads, L + N, d] for every row. Returns [B, heads, L + k, d].
  virtual at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const VideoLayout& layout,
                               const RowSelection& rows) = 0;

  // video_out: [B, k, D], the block's output for the selected video tokens. Returns [B, N, D].
  virtual at::Tensor finish_block(int layer, const RowSelection& rows, const at::Tensor& video_out) = 0;
};

}  // namespace astraea::attention

// The acceleration seam. One Accelerator lives for one generation and holds all per-run state
// (caches, pattern decisions, budgets). The transformer block calls it at fixed points and never
// knows which method is running:
//
//   begin_step(step)                       once per denoising step, before the first block
//   rows = select_rows(layer, video)       which video tokens this block recomputes
//   o = attention(layer, q, k, v, layout, rows)
//   y = finish_block(layer, rows, out)     merges the recomputed tokens into the full output
//
// Under sequence parallelism (src/parallel) the transformer also asks which batch elements and
// video tokens this process holds (batch_shard, video_shard), runs its blocks on those, and
// gathers the full output at the end (gather_video, gather_batch); the accelerator then sees its
// process's share of the heads (assign_heads). A method whose attention is exact (every selected
// row over every key) may instead have its attention computed for it, in key chunks merged by LSE
// (Ring attention) or over rows gathered from every process; the rows' LSE then comes back to the
// process holding the tokens through record_lse.
#pragma once

#include "attention/video_layout.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>

namespace astraea::attention {

// Video tokens that a block recomputes; text rows are always recomputed. Undefined `indices`
// means every video token; otherwise an int64 [B, k] tensor of ascending video-token indices
// (0..N-1) per batch element.
struct RowSelection {
  at::Tensor indices;
  // Optional, made once by the selecting accelerator: indices + b * tokens flattened to [B * k],
  // the same rows of a [B * tokens, ...] view (token_rows.h gathers and scatters through it).
  at::Tensor flat;
  std::int64_t tokens = 0;  // the N that `flat` was made for
  bool all() const { return !indices.defined(); }
};

// Video tokens [begin, end) of a sequence of N.
struct TokenRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
};

// Slice `index` of `count` near-equal contiguous slices of `tokens`: [i N / c, (i + 1) N / c).
// Sequence parallelism shards the video this way, and ASTRAEA balances its selection over the same
// slices, so that one process selecting per slice matches `count` processes selecting per shard.
inline TokenRange even_slice(std::int64_t tokens, std::int64_t index, std::int64_t count) {
  return {tokens * index / count, tokens * (index + 1) / count};
}

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

  // The video tokens of N that this process computes: all of them unless the sequence is sharded.
  virtual TokenRange video_shard(std::int64_t video_tokens) { return {0, video_tokens}; }
  // [B, end - begin, C] for this process's shard -> [B, N, C] for the whole sequence.
  virtual at::Tensor gather_video(const at::Tensor& local) { return local; }
  // The batch elements of B that this process computes (CFG parallelism gives each half of the
  // CFG batch to a group of processes), and their gather back into [B, ...].
  virtual TokenRange batch_shard(std::int64_t batch) { return {0, batch}; }
  virtual at::Tensor gather_batch(const at::Tensor& local) { return local; }
  // attention() will see heads [first_head, first_head + count) of the model's heads as its
  // heads 0..count-1; per-head choices keyed by head index use the model's index.
  virtual void assign_heads(std::int64_t first_head) { (void)first_head; }

  // Whether attention() is exact softmax attention of each q row over every key, whatever rows
  // were selected (dense, ASTRAEA), so that a caller may compute it itself (Ring attention, or
  // ASTRAEA's selected rows gathered from every process) instead of calling attention().
  virtual bool exact_attention() const { return false; }
  // Whether the method keeps per-token state from each row's attention LSE (ASTRAEA). A caller
  // that computes the attention itself hands this process's rows' LSE here: float32 [B, H, L + k]
  // over every head, rows in q's order, for the rows `rows` selected.
  virtual bool keeps_lse() const { return false; }
  virtual void record_lse(int layer, const at::Tensor& lse, const VideoLayout& layout, const RowSelection& rows) {
    (void)layer, (void)lse, (void)layout, (void)rows;
  }
  // After select_rows(layer, ...) this step: how many video rows the same rule, in the same state,
  // picks from a video of `video_tokens` tokens. Sequence-parallel processes select on their own
  // shards by one rule, so each counts every other's rows itself, without a message or a wait.
  // A method that keeps_lse() and selects fewer than every row must override it: a process whose
  // own count disagrees fails at once, and the others then fail at the parallel timeout.
  virtual std::int64_t rows_selected(int layer, std::int64_t video_tokens) const {
    (void)layer;
    return video_tokens;
  }
};

}  // namespace astraea::attention

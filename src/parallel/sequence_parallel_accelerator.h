// Sequence parallelism around any accelerator. Each rank holds a contiguous shard of the video
// tokens (and every text token) through the transformer's blocks; the output gathers the shards.
// Attention runs one of three ways:
//
//   Ulysses (DeepSpeed-Ulysses, as xDiT runs it): one all-to-all turns q, k and v from "all heads,
//     my tokens" into "my heads, all tokens"; the wrapped accelerator runs unchanged on those heads
//     (assign_heads tells it which); a second all-to-all turns the output back. Text rows,
//     computed by every rank for its heads, travel back with it. Equal head shares when the ranks
//     divide the heads; otherwise, for a sparse method (RainFusion), near-equal ones (even_slice:
//     30 heads on 4 ranks are 7, 8, 7, 8), since its per-head patterns cannot go round a ring.
//   Ulysses over gathered rows, for a method that selects tokens and keeps their LSE (ASTRAEA):
//     each rank's selected rows (top-k per shard, so the work is balanced) travel with its keys,
//     each rank counting the others' rows by the selection rule (rows_selected), with no message;
//     the rank holding a head runs exact row-subset attention for every rank's rows, and each
//     row's LSE returns with its output to the token's rank, which records it (record_lse).
//   Ring attention (ring_attention.h), for exact methods (dense, ASTRAEA) when the heads do not
//     split over the ranks: every rank keeps all heads of its rows and the key/value shards go
//     round, so the work stays balanced.
//
// CFG parallelism (cfg_parallel): the ranks form two groups of P/2, one per half of the CFG batch
// (unconditional, conditional); the above runs inside each group, and the halves are exchanged at
// the end of the forward. P = 2 is pure CFG parallelism.
//
// Not built: a method that both selects tokens and attends sparsely (astraea_rainfusion). Shards
// differ by at most one token.
#pragma once

#include "attention/accelerator.h"
#include "parallel/communicator.h"

#include <vector>

namespace astraea::parallel {

class SequenceParallelAccelerator final : public attention::Accelerator {
 public:
  SequenceParallelAccelerator(attention::Accelerator& inner, Communicator& communicator, bool cfg_parallel = false);

  std::string name() const override { return inner_.name(); }
  void begin_step(int step, int num_steps) override { inner_.begin_step(step, num_steps); }
  attention::RowSelection select_rows(int layer, const at::Tensor& video) override { return inner_.select_rows(layer, video); }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                       const attention::RowSelection& rows) override;
  at::Tensor finish_block(int layer, const attention::RowSelection& rows, const at::Tensor& video_out) override {
    return inner_.finish_block(layer, rows, video_out);
  }
  attention::TokenRange video_shard(std::int64_t video_tokens) override;
  at::Tensor gather_video(const at::Tensor& local) override;
  attention::TokenRange batch_shard(std::int64_t batch) override;
  at::Tensor gather_batch(const at::Tensor& local) override;

 private:
  std::vector<std::int64_t> shard_sizes(std::int64_t tokens) const;  // per member of my group
  int rank_of(int member) const { return group_ * group_size_ + member; }
  // All-to-all inside my group: counts per member; the other group's ranks exchange nothing.
  at::Tensor group_all_to_all(const at::Tensor& flat, const std::vector<std::int64_t>& send, const std::vector<std::int64_t>& recv);

  // Ulysses; with `gathered_rows` the q rows are each member's selection and this class computes
  // the attention and hands the LSE back to the inner accelerator.
  at::Tensor ulysses(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                     const attention::RowSelection& rows, bool gathered_rows);
  at::Tensor ring(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                  const attention::RowSelection& rows);

  attention::Accelerator& inner_;
  Communicator& communicator_;
  bool cfg_parallel_;
  int group_size_;  // ranks that share one CFG half (all ranks without CFG parallelism)
  int group_;       // which half
  int member_;      // my index in the group
  std::int64_t video_tokens_ = 0;  // N, from the last video_shard call
};

}  // namespace astraea::parallel

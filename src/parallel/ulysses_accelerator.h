// Ulysses sequence parallelism (DeepSpeed-Ulysses, as xDiT runs it) around any accelerator that
// computes every row. Each rank holds a contiguous shard of the video tokens (and all text tokens)
// through the transformer's blocks. Before attention one all-to-all turns q, k and v from
// "all heads, my tokens" into "my heads, all tokens"; the wrapped accelerator runs unchanged on
// those heads (assign_heads tells it which); a second all-to-all turns the output back. Text rows,
// computed by every rank for its heads, travel back with it. The output gathers the shards.
//
// CFG parallelism (cfg_parallel): the ranks form two groups of P/2, one per half of the CFG batch
// (unconditional, conditional); Ulysses runs inside each group, and the halves are exchanged at
// the end of the forward. P = 2 is pure CFG parallelism.
//
// Needs heads divisible by the group's rank count (Ring attention would take the rest: not built yet) and
// an accelerator that recomputes every row (ASTRAEA's token selection under sequence parallelism:
// not built yet). Shards differ by at most one token when N is not divisible.
#pragma once

#include "attention/accelerator.h"
#include "parallel/communicator.h"

namespace astraea::parallel {

// Rank r's share of N tokens among `ranks`: [r N / ranks, (r + 1) N / ranks).
attention::TokenRange sequence_shard(std::int64_t tokens, int rank, int ranks);

class UlyssesAccelerator final : public attention::Accelerator {
 public:
  UlyssesAccelerator(attention::Accelerator& inner, Communicator& communicator, bool cfg_parallel = false);

  std::string name() const override { return inner_.name(); }
  void begin_step(int step, int num_steps) override { inner_.begin_step(step, num_steps); }
  attention::RowSelection select_rows(int layer, const at::Tensor& video) override;
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

  attention::Accelerator& inner_;
  Communicator& communicator_;
  bool cfg_parallel_;
  int group_size_;  // ranks that share one CFG half (all ranks without CFG parallelism)
  int group_;       // which half
  int member_;      // my index in the group
  std::int64_t video_tokens_ = 0;  // N, from the last video_shard call
};

}  // namespace astraea::parallel

// Ring attention (Liu et al., as xDiT's USP runs it when heads do not split): every process keeps
// all heads of its own query rows, and the key/value shards travel round the ring of processes,
// one hop per round; each round's partial attention merges into the running result by LSE. After
// P rounds every row has seen every key, exactly, in any number of processes and for any head
// count. Text keys sit with every process; they are attended once, in the first round.
#pragma once

#include "attention/astraea_accelerator.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace astraea::parallel {

// Two attentions of the same query rows over disjoint key sets -> the attention over their
// union: lse = log(e^a + e^b), out = (e^(a - lse) out_a + e^(b - lse) out_b). out [B, H, S, d]
// (float32 result), lse float32 [B, H, S]; a row with no key on either side (lse -inf) gives 0.
attention::AttentionWithLse merge_attention(const attention::AttentionWithLse& a, const attention::AttentionWithLse& b);

// Sends `flat` to the next process of the ring and returns the `count` elements the previous one
// sent.
using RingPass = std::function<at::Tensor(const at::Tensor& flat, std::int64_t count)>;

// q [B, H, L + k, d] (this process's text rows and k video rows), k/v [B, H, L + n_me, d] (text and
// this process's video shard); video_sizes[i] = video tokens of member i of the ring, `member` is
// mine. Returns out in q's dtype and lse float32 [B, H, L + k].
attention::AttentionWithLse ring_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t text_tokens,
                                           const std::vector<std::int64_t>& video_sizes, int member, const RingPass& pass);

}  // namespace astraea::parallel

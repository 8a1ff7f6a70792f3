#include "parallel/ring_attention.h"

#include "attention/kernel_bridge.h"

#include <ATen/ATen.h>

#include <limits>

namespace astraea::parallel {

attention::AttentionWithLse merge_attention(const attention::AttentionWithLse& a, const attention::AttentionWithLse& b) {
  TORCH_CHECK(a.out.sizes() == b.out.sizes() && a.lse.sizes() == b.lse.sizes(), "merge_attention: parts ", a.out.sizes(), " and ", b.out.sizes(),
              " differ");
  const auto la = a.lse.to(at::kFloat), lb = b.lse.to(at::kFloat);
  auto top = at::maximum(la, lb);
  top = at::where(at::isfinite(top), top, at::zeros_like(top));  // both sides empty: weights e^-inf = 0
  const auto wa = (la - top).exp(), wb = (lb - top).exp();
  const auto total = wa + wb;
  const auto safe = at::where(total > 0, total, at::ones_like(total));
  const auto out = (a.out.to(at::kFloat) * (wa / safe).unsqueeze(-1)) + (b.out.to(at::kFloat) * (wb / safe).unsqueeze(-1));
  const auto lse = at::where(total > 0, top + safe.log(), at::full_like(top, -std::numeric_limits<float>::infinity()));
  return {out, lse};
}

attention::AttentionWithLse ring_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t text_tokens,
                                           const std::vector<std::int64_t>& video_sizes, int member, const RingPass& pass) {
  const auto ranks = static_cast<int>(video_sizes.size());
  TORCH_CHECK(member >= 0 && member < ranks, "ring attention: member ", member, " of ", ranks);
  TORCH_CHECK(k.sizes() == v.sizes() && k.size(2) == text_tokens + video_sizes[static_cast<std::size_t>(member)],
              "ring attention: k ", k.sizes(), " and v ", v.sizes(), " must hold ", text_tokens, " text and ",
              video_sizes[static_cast<std::size_t>(member)], " video rows");
  const std::int64_t batch = k.size(0), heads = k.size(1), dim = k.size(3);
  // Round 0: my rows over the text keys and my own shard.
  auto result = attention::row_subset_attention(q, k, v, at::Tensor());
  result.out = result.out.to(at::kFloat);
  // The shard in flight: keys then values of one member's video tokens, flattened.
  auto held = at::cat({k.slice(2, text_tokens).flatten(), v.slice(2, text_tokens).flatten()});
  for (int round = 1; round < ranks; ++round) {
    const auto from = static_cast<std::size_t>((member - round + ranks) % ranks);
    const std::int64_t n = video_sizes[from], half = batch * heads * n * dim;
    held = pass(held, 2 * half);
    if (n == 0) continue;
    const auto kc = held.slice(0, 0, half).view({batch, heads, n, dim});
    const auto vc = held.slice(0, half, 2 * half).view({batch, heads, n, dim});
    result = merge_attention(result, attention::row_subset_attention(q, kc, vc, at::Tensor()));
  }
  return {result.out.to(q.scalar_type()), result.lse};
}

}  // namespace astraea::parallel

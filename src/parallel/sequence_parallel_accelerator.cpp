#include "parallel/sequence_parallel_accelerator.h"

#include "attention/kernel_bridge.h"
#include "core/error.h"
#include "parallel/ring_attention.h"

#include <ATen/ATen.h>

namespace astraea::parallel {

SequenceParallelAccelerator::SequenceParallelAccelerator(attention::Accelerator& inner, Communicator& communicator, bool cfg_parallel)
    : inner_(inner), communicator_(communicator), cfg_parallel_(cfg_parallel) {
  if (cfg_parallel && communicator.size() % 2 != 0) {
    fail(ErrorKind::kConfig, "parallel: CFG parallelism splits the ranks into two groups; {} ranks do not", communicator.size());
  }
  group_size_ = cfg_parallel ? communicator.size() / 2 : communicator.size();
  group_ = communicator.rank() / group_size_;
  member_ = communicator.rank() % group_size_;
}

std::vector<std::int64_t> SequenceParallelAccelerator::shard_sizes(std::int64_t tokens) const {
  std::vector<std::int64_t> sizes;
  for (int m = 0; m < group_size_; ++m) sizes.push_back(attention::even_slice(tokens, m, group_size_).size());
  return sizes;
}

at::Tensor SequenceParallelAccelerator::group_all_to_all(const at::Tensor& flat, const std::vector<std::int64_t>& send,
                                                const std::vector<std::int64_t>& recv) {
  std::vector<std::int64_t> send_all(static_cast<std::size_t>(communicator_.size()), 0), recv_all(send_all);
  for (int m = 0; m < group_size_; ++m) {
    send_all[static_cast<std::size_t>(rank_of(m))] = send[static_cast<std::size_t>(m)];
    recv_all[static_cast<std::size_t>(rank_of(m))] = recv[static_cast<std::size_t>(m)];
  }
  return communicator_.all_to_all(flat, send_all, recv_all);
}

attention::TokenRange SequenceParallelAccelerator::video_shard(std::int64_t video_tokens) {
  video_tokens_ = video_tokens;
  return attention::even_slice(video_tokens, member_, group_size_);
}

attention::TokenRange SequenceParallelAccelerator::batch_shard(std::int64_t batch) {
  if (!cfg_parallel_) return {0, batch};
  if (batch % 2 != 0) fail(ErrorKind::kConfig, "parallel: CFG parallelism needs the CFG batch (guidance_scale > 1); got a batch of {}", batch);
  return {group_ * batch / 2, (group_ + 1) * batch / 2};
}

at::Tensor SequenceParallelAccelerator::gather_batch(const at::Tensor& local) {
  if (!cfg_parallel_) return local;
  // Every rank sends its half to every rank; each keeps the copies of the groups' first members.
  const int ranks = communicator_.size();
  const auto flat = local.contiguous().flatten();
  const std::vector<std::int64_t> counts(static_cast<std::size_t>(ranks), flat.numel());
  const auto received = communicator_.all_to_all(flat.repeat({ranks}), counts, counts);
  auto half = [&](int rank) { return received.slice(0, rank * flat.numel(), (rank + 1) * flat.numel()).view(local.sizes()); };
  return at::cat({half(0), half(group_size_)}, 0);
}

at::Tensor SequenceParallelAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                  const attention::VideoLayout& layout, const attention::RowSelection& rows) {
  if (group_size_ == 1) {
    inner_.assign_heads(0);
    return inner_.attention(layer, q, k, v, layout, rows);
  }
  TORCH_CHECK(q.dim() == 4 && k.sizes() == v.sizes() && q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3),
              "sequence-parallel attention (layer ", layer, "): incompatible q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes());
  if (inner_.keeps_lse() && !inner_.exact_attention()) {
    fail(ErrorKind::kNotBuilt, "parallel: {} both selects tokens and attends sparsely; under sequence parallelism that is not built yet",
         inner_.name());
  }
  // Heads the ranks do not divide: exact methods go round the ring with every head; a sparse
  // method keeps its per-head attention on uneven head shares (Ulysses, e.g. 7, 8, 7, 8 of 30).
  if (q.size(1) % group_size_ != 0 && inner_.exact_attention()) return ring(layer, q, k, v, layout, rows);
  if (q.size(1) < group_size_) {
    fail(ErrorKind::kConfig, "parallel: {} heads over {} sequence-parallel ranks leave a rank without a head, which {}'s per-head attention needs",
         q.size(1), group_size_, inner_.name());
  }
  return ulysses(layer, q, k, v, layout, rows, /*gathered_rows=*/inner_.keeps_lse());
}

namespace {

// The float32 LSE rides in a message of the model's dtype: bit for bit as two 16-bit elements
// per value, or converted exactly into a 32- or 64-bit dtype.
std::int64_t lse_width(at::ScalarType dtype) { return c10::elementSize(dtype) == 2 ? 2 : 1; }

at::Tensor lse_payload(const at::Tensor& lse, at::ScalarType dtype) {
  const auto f = lse.to(at::kFloat).contiguous().flatten();
  return lse_width(dtype) == 2 ? f.view(dtype) : f.to(dtype);
}

at::Tensor lse_from_payload(const at::Tensor& payload, at::IntArrayRef shape) {
  const auto f = lse_width(payload.scalar_type()) == 2 ? payload.clone().view(at::kFloat) : payload.to(at::kFloat);
  return f.view(shape);
}

}  // namespace

at::Tensor SequenceParallelAccelerator::ulysses(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                const attention::VideoLayout& layout, const attention::RowSelection& rows, bool gathered_rows) {
  const int ranks = group_size_, me = member_;
  const std::int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3), text = layout.text_tokens;
  // Member m attends heads [m H / P, (m + 1) H / P): equal shares when P divides H.
  const auto heads_of = [&](int m) { return attention::even_slice(heads, m, ranks); };
  const auto mine_heads = heads_of(me);
  const std::int64_t my_heads = mine_heads.size();
  const auto sizes = shard_sizes(layout.video_tokens());
  const std::int64_t mine = sizes[static_cast<std::size_t>(me)], my_rows = q.size(2) - text;
  TORCH_CHECK(k.size(2) == text + mine && my_rows >= 0 && (gathered_rows || my_rows == mine), "ulysses attention (layer ", layer, "): q has ",
              q.size(2), " rows and k ", k.size(2), ", expected ", text, " text + ", mine, " video");
  // Query rows per member: the shard itself, or what each member selected from its shard.
  std::vector<std::int64_t> q_rows = sizes;
  if (gathered_rows) {
    for (auto& n : q_rows) n = inner_.rows_selected(layer, n);
    TORCH_CHECK(q_rows[static_cast<std::size_t>(me)] == my_rows, "ulysses attention (layer ", layer, "): ", my_rows,
                " selected rows, but the selection rule gives ", q_rows[static_cast<std::size_t>(me)], " for a shard of ", mine);
  }
  inner_.assign_heads(mine_heads.begin);
  auto at_ = [](const std::vector<std::int64_t>& x, int i) { return x[static_cast<std::size_t>(i)]; };

  // To member j: its heads of my query rows, keys and values, in one message.
  std::vector<at::Tensor> pieces;
  std::vector<std::int64_t> send(static_cast<std::size_t>(ranks)), recv(static_cast<std::size_t>(ranks));
  for (int j = 0; j < ranks; ++j) {
    const auto theirs = heads_of(j);
    for (const auto* x : {&q, &k, &v}) pieces.push_back(x->slice(1, theirs.begin, theirs.end).slice(2, text).flatten());
    send[static_cast<std::size_t>(j)] = batch * theirs.size() * (my_rows + 2 * mine) * dim;
    recv[static_cast<std::size_t>(j)] = batch * my_heads * (at_(q_rows, j) + 2 * at_(sizes, j)) * dim;
  }
  const auto received = group_all_to_all(at::cat(pieces), send, recv);
  std::vector<at::Tensor> video_q, video_k, video_v;
  std::int64_t offset = 0;
  for (int i = 0; i < ranks; ++i) {
    const std::int64_t nq = batch * my_heads * at_(q_rows, i) * dim, nkv = batch * my_heads * at_(sizes, i) * dim;
    video_q.push_back(received.slice(0, offset, offset + nq).view({batch, my_heads, at_(q_rows, i), dim}));
    video_k.push_back(received.slice(0, offset + nq, offset + nq + nkv).view({batch, my_heads, at_(sizes, i), dim}));
    video_v.push_back(received.slice(0, offset + nq + nkv, offset + nq + 2 * nkv).view({batch, my_heads, at_(sizes, i), dim}));
    offset += nq + 2 * nkv;
  }
  auto full = [&](const at::Tensor& x, std::vector<at::Tensor>& video) {
    video.insert(video.begin(), x.slice(1, mine_heads.begin, mine_heads.end).slice(2, 0, text));
    return at::cat(video, 2);
  };
  at::Tensor out, lse;  // [B, my heads, L + sum of q_rows, d], [B, my heads, L + sum of q_rows]
  if (gathered_rows) {
    auto result = attention::row_subset_attention(full(q, video_q), full(k, video_k), full(v, video_v), at::Tensor());
    out = result.out;
    lse = result.lse;
  } else {
    out = inner_.attention(layer, full(q, video_q), full(k, video_k), full(v, video_v), layout, rows);
  }

  // Back: to member j my heads of its rows' output (and LSE) and of the text rows; from member i
  // its heads of my rows.
  pieces.clear();
  const auto text_out = out.slice(2, 0, text).flatten();
  const std::int64_t width = lse_width(q.scalar_type());
  std::int64_t start = text;
  for (int j = 0; j < ranks; ++j) {
    const auto n = at_(q_rows, j);
    const std::int64_t theirs = heads_of(j).size();
    pieces.push_back(out.slice(2, start, start + n).flatten());
    pieces.push_back(text_out);
    send[static_cast<std::size_t>(j)] = batch * my_heads * (n + text) * dim;
    recv[static_cast<std::size_t>(j)] = batch * theirs * (my_rows + text) * dim;
    if (gathered_rows) {
      pieces.push_back(lse_payload(at::cat({lse.slice(2, 0, text), lse.slice(2, start, start + n)}, 2), q.scalar_type()));
      send[static_cast<std::size_t>(j)] += batch * my_heads * (n + text) * width;
      recv[static_cast<std::size_t>(j)] += batch * theirs * (my_rows + text) * width;
    }
    start += n;
  }
  const auto returned = group_all_to_all(at::cat(pieces), send, recv);
  std::vector<at::Tensor> video_heads, text_heads, lse_heads;
  offset = 0;
  for (int i = 0; i < ranks; ++i) {
    const std::int64_t theirs = heads_of(i).size();
    const std::int64_t nv = batch * theirs * my_rows * dim, nt = batch * theirs * text * dim;
    video_heads.push_back(returned.slice(0, offset, offset + nv).view({batch, theirs, my_rows, dim}));
    text_heads.push_back(returned.slice(0, offset + nv, offset + nv + nt).view({batch, theirs, text, dim}));
    offset += nv + nt;
    if (gathered_rows) {
      const std::int64_t nl = batch * theirs * (text + my_rows) * width;
      lse_heads.push_back(lse_from_payload(returned.slice(0, offset, offset + nl), {batch, theirs, text + my_rows}));
      offset += nl;
    }
  }
  if (gathered_rows) inner_.record_lse(layer, at::cat(lse_heads, 1), layout, rows);
  return at::cat({at::cat(text_heads, 1), at::cat(video_heads, 1)}, 2);
}

at::Tensor SequenceParallelAccelerator::ring(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                             const attention::VideoLayout& layout, const attention::RowSelection& rows) {
  const int ranks = group_size_;
  const int next = (member_ + 1) % ranks, previous = (member_ + ranks - 1) % ranks;
  const RingPass pass = [&](const at::Tensor& flat, std::int64_t count) {
    std::vector<std::int64_t> send(static_cast<std::size_t>(ranks), 0), recv(static_cast<std::size_t>(ranks), 0);
    send[static_cast<std::size_t>(next)] = flat.numel();
    recv[static_cast<std::size_t>(previous)] = count;
    return group_all_to_all(flat, send, recv);
  };
  inner_.assign_heads(0);
  const auto result = ring_attention(q, k, v, layout.text_tokens, shard_sizes(layout.video_tokens()), member_, pass);
  if (inner_.keeps_lse()) inner_.record_lse(layer, result.lse, layout, rows);
  return result.out;
}

at::Tensor SequenceParallelAccelerator::gather_video(const at::Tensor& local) {
  TORCH_CHECK(video_tokens_ > 0, "sequence parallelism: gather_video before video_shard");
  const int ranks = group_size_;
  const std::int64_t batch = local.size(0), channels = local.size(2);
  const auto sizes = shard_sizes(video_tokens_);
  TORCH_CHECK(local.size(1) == sizes[static_cast<std::size_t>(member_)], "sequence parallelism: gather_video got ", local.size(1),
              " tokens, the shard holds ", sizes[static_cast<std::size_t>(member_)]);
  if (ranks == 1) return local;
  const auto flat = local.contiguous().flatten();
  std::vector<std::int64_t> send(static_cast<std::size_t>(ranks), flat.numel()), recv;
  for (const auto n : sizes) recv.push_back(batch * n * channels);
  const auto received = group_all_to_all(flat.repeat({ranks}), send, recv);
  std::vector<at::Tensor> shards;
  std::int64_t offset = 0;
  for (const auto n : sizes) {
    shards.push_back(received.slice(0, offset, offset + batch * n * channels).view({batch, n, channels}));
    offset += batch * n * channels;
  }
  return at::cat(shards, 1);
}

}  // namespace astraea::parallel

#include "parallel/ulysses_accelerator.h"

#include "core/error.h"

#include <ATen/ATen.h>

namespace astraea::parallel {

attention::TokenRange sequence_shard(std::int64_t tokens, int rank, int ranks) {
  return {tokens * rank / ranks, tokens * (rank + 1) / ranks};
}

UlyssesAccelerator::UlyssesAccelerator(attention::Accelerator& inner, Communicator& communicator, bool cfg_parallel)
    : inner_(inner), communicator_(communicator), cfg_parallel_(cfg_parallel) {
  if (cfg_parallel && communicator.size() % 2 != 0) {
    fail(ErrorKind::kConfig, "parallel: CFG parallelism splits the ranks into two groups; {} ranks do not", communicator.size());
  }
  group_size_ = cfg_parallel ? communicator.size() / 2 : communicator.size();
  group_ = communicator.rank() / group_size_;
  member_ = communicator.rank() % group_size_;
}

std::vector<std::int64_t> UlyssesAccelerator::shard_sizes(std::int64_t tokens) const {
  std::vector<std::int64_t> sizes;
  for (int m = 0; m < group_size_; ++m) {
    const auto shard = sequence_shard(tokens, m, group_size_);
    sizes.push_back(shard.end - shard.begin);
  }
  return sizes;
}

at::Tensor UlyssesAccelerator::group_all_to_all(const at::Tensor& flat, const std::vector<std::int64_t>& send,
                                                const std::vector<std::int64_t>& recv) {
  std::vector<std::int64_t> send_all(static_cast<std::size_t>(communicator_.size()), 0), recv_all(send_all);
  for (int m = 0; m < group_size_; ++m) {
    send_all[static_cast<std::size_t>(rank_of(m))] = send[static_cast<std::size_t>(m)];
    recv_all[static_cast<std::size_t>(rank_of(m))] = recv[static_cast<std::size_t>(m)];
  }
  return communicator_.all_to_all(flat, send_all, recv_all);
}

attention::TokenRange UlyssesAccelerator::video_shard(std::int64_t video_tokens) {
  video_tokens_ = video_tokens;
  return sequence_shard(video_tokens, member_, group_size_);
}

attention::TokenRange UlyssesAccelerator::batch_shard(std::int64_t batch) {
  if (!cfg_parallel_) return {0, batch};
  if (batch % 2 != 0) fail(ErrorKind::kConfig, "parallel: CFG parallelism needs the CFG batch (guidance_scale > 1); got a batch of {}", batch);
  return {group_ * batch / 2, (group_ + 1) * batch / 2};
}

at::Tensor UlyssesAccelerator::gather_batch(const at::Tensor& local) {
  if (!cfg_parallel_) return local;
  // Every rank sends its half to every rank; each keeps the copies of the groups' first members.
  const int ranks = communicator_.size();
  const auto flat = local.contiguous().flatten();
  const std::vector<std::int64_t> counts(static_cast<std::size_t>(ranks), flat.numel());
  const auto received = communicator_.all_to_all(flat.repeat({ranks}), counts, counts);
  auto half = [&](int rank) { return received.slice(0, rank * flat.numel(), (rank + 1) * flat.numel()).view(local.sizes()); };
  return at::cat({half(0), half(group_size_)}, 0);
}

attention::RowSelection UlyssesAccelerator::select_rows(int layer, const at::Tensor& video) {
  auto rows = inner_.select_rows(layer, video);
  if (!rows.all()) {
    fail(ErrorKind::kNotBuilt, "parallel: {} selects tokens, and token selection under sequence parallelism is not built yet", inner_.name());
  }
  return rows;
}

at::Tensor UlyssesAccelerator::attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const attention::VideoLayout& layout, const attention::RowSelection& rows) {
  const int ranks = group_size_, rank = member_;
  const std::int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3), text = layout.text_tokens;
  if (ranks == 1) {
    inner_.assign_heads(0);
    return inner_.attention(layer, q, k, v, layout, rows);
  }
  if (heads % ranks != 0) {
    fail(ErrorKind::kNotBuilt, "parallel: {} heads do not split over {} ranks; Ring attention, which would take over, is not built yet", heads,
         ranks);
  }
  TORCH_CHECK(k.sizes() == q.sizes() && v.sizes() == q.sizes(), "ulysses attention (layer ", layer, "): q ", q.sizes(), ", k ", k.sizes(),
              " and v ", v.sizes(), " must match");
  const std::int64_t local_heads = heads / ranks, first_head = rank * local_heads;
  const auto sizes = shard_sizes(layout.video_tokens());
  const std::int64_t mine = sizes[static_cast<std::size_t>(rank)];
  TORCH_CHECK(q.size(2) == text + mine, "ulysses attention (layer ", layer, "): q has ", q.size(2), " rows, expected ", text, " text + ", mine,
              " video");
  inner_.assign_heads(first_head);

  // To rank j: heads [j h/P, (j+1) h/P) of my video rows, for q, k and v in one message.
  std::vector<at::Tensor> pieces;
  std::vector<std::int64_t> send(static_cast<std::size_t>(ranks)), recv(static_cast<std::size_t>(ranks));
  for (int j = 0; j < ranks; ++j) {
    for (const auto* x : {&q, &k, &v}) pieces.push_back(x->slice(1, j * local_heads, (j + 1) * local_heads).slice(2, text).flatten());
    send[static_cast<std::size_t>(j)] = 3 * batch * local_heads * mine * dim;
    recv[static_cast<std::size_t>(j)] = 3 * batch * local_heads * sizes[static_cast<std::size_t>(j)] * dim;
  }
  const auto received = group_all_to_all(at::cat(pieces), send, recv);
  std::vector<at::Tensor> video_q, video_k, video_v;
  std::int64_t offset = 0;
  for (int i = 0; i < ranks; ++i) {
    const std::int64_t n = batch * local_heads * sizes[static_cast<std::size_t>(i)] * dim;
    auto shape = std::vector<std::int64_t>{batch, local_heads, sizes[static_cast<std::size_t>(i)], dim};
    video_q.push_back(received.slice(0, offset, offset + n).view(shape));
    video_k.push_back(received.slice(0, offset + n, offset + 2 * n).view(shape));
    video_v.push_back(received.slice(0, offset + 2 * n, offset + 3 * n).view(shape));
    offset += 3 * n;
  }
  auto full = [&](const at::Tensor& x, std::vector<at::Tensor>& video) {
    video.insert(video.begin(), x.slice(1, first_head, first_head + local_heads).slice(2, 0, text));
    return at::cat(video, 2);
  };
  const auto out = inner_.attention(layer, full(q, video_q), full(k, video_k), full(v, video_v), layout, rows);  // [B, h/P, L + N, d]

  // Back: to rank j its video rows and my heads' text rows; from rank i its heads of my rows.
  pieces.clear();
  const auto text_out = out.slice(2, 0, text).flatten();
  std::int64_t start = text;
  for (int j = 0; j < ranks; ++j) {
    const auto n = sizes[static_cast<std::size_t>(j)];
    pieces.push_back(out.slice(2, start, start + n).flatten());
    pieces.push_back(text_out);
    start += n;
    send[static_cast<std::size_t>(j)] = batch * local_heads * (n + text) * dim;
    recv[static_cast<std::size_t>(j)] = batch * local_heads * (mine + text) * dim;
  }
  const auto returned = group_all_to_all(at::cat(pieces), send, recv);
  std::vector<at::Tensor> video_heads, text_heads;
  offset = 0;
  for (int i = 0; i < ranks; ++i) {
    const std::int64_t nv = batch * local_heads * mine * dim, nt = batch * local_heads * text * dim;
    video_heads.push_back(returned.slice(0, offset, offset + nv).view({batch, local_heads, mine, dim}));
    text_heads.push_back(returned.slice(0, offset + nv, offset + nv + nt).view({batch, local_heads, text, dim}));
    offset += nv + nt;
  }
  return at::cat({at::cat(text_heads, 1), at::cat(video_heads, 1)}, 2);
}

at::Tensor UlyssesAccelerator::gather_video(const at::Tensor& local) {
  TORCH_CHECK(video_tokens_ > 0, "ulysses: gather_video before video_shard");
  const int ranks = group_size_;
  const std::int64_t batch = local.size(0), channels = local.size(2);
  const auto sizes = shard_sizes(video_tokens_);
  TORCH_CHECK(local.size(1) == sizes[static_cast<std::size_t>(member_)], "ulysses: gather_video got ", local.size(1),
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

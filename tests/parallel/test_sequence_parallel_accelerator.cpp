// Sequence parallelism (Ulysses, Ulysses over gathered rows, Ring) against a single-process dense
// computation: ranks are threads of this process, each with its own Gloo process group over a
// TCPStore on a free port.
#include <ATen/ATen.h>

#include "attention/astraea_accelerator.h"
#include "attention/dense_accelerator.h"
#include "parallel/communicator.h"
#include "parallel/launch_environment.h"
#include "parallel/ring_attention.h"
#include "parallel/sequence_parallel_accelerator.h"
#include "support/catch.h"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

using namespace astraea;
using namespace astraea::parallel;

namespace {

constexpr std::chrono::milliseconds kTimeout(30000);

// The ranks here are threads of one process, each with its own process group. torch 2.11's flight
// recorder (one per process) adds a group to a shared std::map before it takes its lock, so two
// ranks starting a collective at once can corrupt the map and crash. Separate rank processes, as
// astraea runs them, never share a recorder. Switched off before any group exists.
const bool kFlightRecorderOff = [] { return setenv("TORCH_FR_BUFFER_SIZE", "0", 1) == 0; }();

// Runs body(communicator) on `ranks` threads joined into one Gloo group; rethrows the first error.
// Every rank passes a barrier before its body: a rank whose body returns at once (one that only
// checks an error, say) would otherwise destroy its group while a slower rank is still connecting
// to it, and that rank fails with "Connection closed by peer".
void on_ranks(int ranks, const std::function<void(Communicator&)>& body) {
  std::promise<int> port;
  auto port_ready = port.get_future().share();
  std::vector<std::future<void>> done;
  done.push_back(std::async(std::launch::async, [&] {
    LaunchEnvironment env;
    env.world_size = ranks;
    auto communicator = Communicator::host(env, CommBackend::kGloo, kTimeout, "{}", [&](int p) { port.set_value(p); });
    communicator->barrier(c10::Device(c10::kCPU));
    body(*communicator);
  }));
  for (int r = 1; r < ranks; ++r) {
    done.push_back(std::async(std::launch::async, [&, r] {
      LaunchEnvironment env;
      env.rank = env.local_rank = r;
      env.world_size = ranks;
      env.master_port = port_ready.get();
      CHECK(Communicator::read_session(env, kTimeout) == "{}");
      auto communicator = Communicator::join(env, CommBackend::kGloo, kTimeout);
      communicator->barrier(c10::Device(c10::kCPU));
      body(*communicator);
    }));
  }
  for (auto& d : done) d.get();
}

// An exact method that keeps LSE state, as ASTRAEA does: its attention must never be called under
// sequence parallelism (the wrapper computes it), and it keeps the LSE it is handed. Its selection
// rule: floor(n / 2) rows of a shard of n.
class LseRecorder final : public attention::Accelerator {
 public:
  std::string name() const override { return "lse_recorder"; }
  void begin_step(int, int) override {}
  attention::RowSelection select_rows(int, const at::Tensor&) override { return {}; }
  at::Tensor attention(int, const at::Tensor&, const at::Tensor&, const at::Tensor&, const attention::VideoLayout&,
                       const attention::RowSelection&) override {
    throw std::logic_error("attention() called on a method whose attention the wrapper computes");
  }
  at::Tensor finish_block(int, const attention::RowSelection&, const at::Tensor& out) override { return out; }
  bool exact_attention() const override { return true; }
  bool keeps_lse() const override { return true; }
  void record_lse(int, const at::Tensor& lse, const attention::VideoLayout&, const attention::RowSelection&) override { recorded = lse; }
  std::int64_t rows_selected(int, std::int64_t video_tokens) const override { return video_tokens / 2; }
  at::Tensor recorded;
};

// A sparse method: its attention depends on which heads it sees, so nobody may compute it for it
// (not exact). It stands in with dense attention whose head m of the model is scaled by m + 1, so
// a head handed to the wrong rank, or a wrong first head, changes the output; it records its share.
class PerHeadStandIn final : public attention::Accelerator {
 public:
  std::string name() const override { return "per_head_stand_in"; }
  void begin_step(int, int) override {}
  attention::RowSelection select_rows(int, const at::Tensor&) override { return {}; }
  at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const attention::VideoLayout& layout,
                       const attention::RowSelection& rows) override {
    heads_seen = q.size(1);
    const auto scale = at::arange(first_head + 1, first_head + 1 + q.size(1), q.options()).view({1, -1, 1, 1});
    return attention::DenseAccelerator().attention(layer, q, k, v, layout, rows) * scale;
  }
  at::Tensor finish_block(int, const attention::RowSelection&, const at::Tensor& out) override { return out; }
  void assign_heads(std::int64_t first) override { first_head = first; }
  std::int64_t first_head = -1, heads_seen = -1;
};

// Text rows and the video rows [shard.begin, shard.end) of a [B, H, L + N, d] tensor.
at::Tensor local_rows(const at::Tensor& x, const attention::VideoLayout& layout, attention::TokenRange shard) {
  return at::cat({x.slice(2, 0, layout.text_tokens), x.slice(2, layout.text_tokens + shard.begin, layout.text_tokens + shard.end)}, 2);
}

}  // namespace

TEST_CASE("sequence shards cover the tokens in order and differ by at most one", "[parallel]") {
  using attention::even_slice;
  CHECK(even_slice(10, 0, 3).begin == 0);
  CHECK(even_slice(10, 0, 3).end == 3);
  CHECK(even_slice(10, 1, 3).end == 6);
  CHECK(even_slice(10, 2, 3).begin == 6);
  CHECK(even_slice(10, 2, 3).end == 10);
  CHECK(even_slice(7, 0, 1).end == 7);
  CHECK(even_slice(2, 0, 3).size() == 0);
}

TEST_CASE("merging attention over two key sets by LSE equals attention over their union", "[parallel]") {
  auto generator = at::detail::createCPUGenerator(5);
  const auto q = at::randn({2, 3, 9, 8}, generator), k = at::randn({2, 3, 20, 8}, generator), v = at::randn({2, 3, 20, 8}, generator);
  const auto whole = attention::attention_with_lse(q, k, v);
  const auto first = attention::attention_with_lse(q, k.slice(2, 0, 7), v.slice(2, 0, 7));
  const auto rest = attention::attention_with_lse(q, k.slice(2, 7), v.slice(2, 7));
  const auto merged = merge_attention(first, rest);
  CHECK(at::allclose(merged.out, whole.out, 1e-5, 1e-6));
  CHECK(at::allclose(merged.lse, whole.lse, 1e-5, 1e-6));
  // An empty side (lse -inf, e.g. a shard with no keys) leaves the other unchanged.
  const attention::AttentionWithLse empty{at::zeros_like(whole.out), at::full_like(whole.lse, -std::numeric_limits<float>::infinity())};
  const auto same = merge_attention(whole, empty);
  CHECK(at::allclose(same.out, whole.out, 1e-6, 1e-7));
  CHECK(at::allclose(same.lse, whole.lse, 1e-6, 1e-7));
}

TEST_CASE("all_to_all moves uneven pieces between ranks", "[parallel]") {
  // Rank r sends (j + 1) copies of 10 r + j to rank j, so rank j receives j + 1 copies of 10 i + j
  // from each rank i, in rank order.
  std::vector<at::Tensor> received(3);
  on_ranks(3, [&](Communicator& c) {
    std::vector<at::Tensor> pieces;
    std::vector<std::int64_t> send, recv;
    for (int j = 0; j < c.size(); ++j) {
      pieces.push_back(at::full({j + 1}, 10.0 * c.rank() + j));
      send.push_back(j + 1);
      recv.push_back(c.rank() + 1);
    }
    received[static_cast<std::size_t>(c.rank())] = c.all_to_all(at::cat(pieces), send, recv);
  });
  for (int j = 0; j < 3; ++j) {
    std::vector<at::Tensor> expected;
    for (int i = 0; i < 3; ++i) expected.push_back(at::full({j + 1}, 10.0 * i + j));
    CHECK(at::equal(received[static_cast<std::size_t>(j)], at::cat(expected)));
  }
}

TEST_CASE("Ulysses and Ring attention over ranks equal dense attention over the whole sequence", "[parallel]") {
  // 7 text tokens and 3 x 3 x 3 = 27 video tokens, which no rank count divides evenly. 6 heads
  // split over 2 and 3 ranks (Ulysses); 5 heads split over neither (Ring attention).
  const attention::VideoLayout layout{7, 3, 3, 3};
  const std::int64_t batch = 2, dim = 16, total = layout.total_tokens();
  for (const std::int64_t heads : {6, 5}) {
    auto generator = at::detail::createCPUGenerator(11);
    const auto q = at::randn({batch, heads, total, dim}, generator), k = at::randn({batch, heads, total, dim}, generator),
               v = at::randn({batch, heads, total, dim}, generator);
    attention::DenseAccelerator reference;
    const auto expected = reference.attention(0, q, k, v, layout, {});
    for (const int ranks : {2, 3}) {
      INFO(heads << " heads, " << ranks << " ranks");
      std::vector<at::Tensor> outputs(static_cast<std::size_t>(ranks));
      std::vector<attention::TokenRange> shards(static_cast<std::size_t>(ranks));
      on_ranks(ranks, [&](Communicator& c) {
        attention::DenseAccelerator dense;
        SequenceParallelAccelerator sharded(dense, c);
        const auto shard = sharded.video_shard(layout.video_tokens());
        shards[static_cast<std::size_t>(c.rank())] = shard;
        outputs[static_cast<std::size_t>(c.rank())] =
            sharded.attention(0, local_rows(q, layout, shard), local_rows(k, layout, shard), local_rows(v, layout, shard), layout, {});
      });
      for (int r = 0; r < ranks; ++r) {
        const auto& shard = shards[static_cast<std::size_t>(r)];
        const auto& out = outputs[static_cast<std::size_t>(r)];
        REQUIRE(out.size(2) == layout.text_tokens + shard.size());
        CHECK(at::allclose(out, local_rows(expected, layout, shard), 1e-5, 1e-6));
      }
    }
  }
}

TEST_CASE("selected rows of every rank attend over the whole sequence, and each rank gets its rows' LSE over every head", "[parallel]") {
  // Each rank selects floor(n / 2) of its shard's n video rows (every other one, from the second),
  // by one rule as ASTRAEA's per-shard top-k does: with 27 video tokens, 6 and 7 rows on 2 ranks.
  // The wrapper computes the attention (Ulysses with 6 heads, Ring with 5) and hands back the
  // LSE, which must be the dense computation's for those rows and all heads. In bfloat16 the
  // float32 LSE travels as two bfloat16 elements per value and must arrive exact.
  const attention::VideoLayout layout{7, 3, 3, 3};
  const std::int64_t batch = 2, dim = 16, total = layout.total_tokens();
  for (const auto& [heads, dtype] : std::vector<std::pair<std::int64_t, at::ScalarType>>{{6, at::kFloat}, {5, at::kFloat}, {6, at::kBFloat16}}) {
    auto generator = at::detail::createCPUGenerator(12);
    const auto q = at::randn({batch, heads, total, dim}, generator).to(dtype), k = at::randn({batch, heads, total, dim}, generator).to(dtype),
               v = at::randn({batch, heads, total, dim}, generator).to(dtype);
    const auto expected = attention::attention_with_lse(q, k, v);
    const double tolerance = dtype == at::kFloat ? 1e-5 : 1e-2;
    for (const int ranks : {2, 3}) {
      INFO(heads << " heads, " << ranks << " ranks, " << dtype);
      std::vector<at::Tensor> outputs(static_cast<std::size_t>(ranks)), lses(outputs), rows(outputs);
      on_ranks(ranks, [&](Communicator& c) {
        LseRecorder recorder;
        SequenceParallelAccelerator sharded(recorder, c);
        const auto shard = sharded.video_shard(layout.video_tokens());
        // Positions in the whole sequence of my text rows and selected video rows.
        const auto video = at::arange(layout.text_tokens + shard.begin + 1, layout.text_tokens + shard.end, 2, at::kLong);
        const auto picked = at::cat({at::arange(layout.text_tokens, at::kLong), video});
        const attention::RowSelection selection{(video - layout.text_tokens - shard.begin).unsqueeze(0).expand({batch, video.size(0)})};
        const auto r = static_cast<std::size_t>(c.rank());
        rows[r] = picked;
        outputs[r] = sharded.attention(0, q.index_select(2, picked), local_rows(k, layout, shard), local_rows(v, layout, shard), layout, selection);
        lses[r] = recorder.recorded;
      });
      for (int r = 0; r < ranks; ++r) {
        const auto& picked = rows[static_cast<std::size_t>(r)];
        CHECK(at::allclose(outputs[static_cast<std::size_t>(r)].to(at::kFloat), expected.out.index_select(2, picked).to(at::kFloat), tolerance,
                           tolerance / 10));
        REQUIRE(lses[static_cast<std::size_t>(r)].defined());
        CHECK(lses[static_cast<std::size_t>(r)].scalar_type() == at::kFloat);
        CHECK(at::allclose(lses[static_cast<std::size_t>(r)], expected.lse.index_select(2, picked), 1e-5, 1e-6));
      }
    }
  }
}

TEST_CASE("a selection the method's rule does not give is refused before any message", "[parallel]") {
  const attention::VideoLayout layout{2, 2, 2, 2};
  const auto x = at::randn({1, 2, 2 + 8, 4});
  on_ranks(2, [&](Communicator& c) {
    LseRecorder recorder;  // the rule gives 2 rows of a shard of 4; every rank hands over all 4
    SequenceParallelAccelerator sharded(recorder, c);
    const auto shard = sharded.video_shard(layout.video_tokens());
    const auto mine = x.slice(2, 0, 2 + shard.size());
    CHECK_THROWS_WITH(sharded.attention(0, mine, mine, mine, layout, {}), Catch::Contains("4 selected rows") && Catch::Contains("gives 2"));
  });
}

TEST_CASE("gather_video reassembles the shards in order", "[parallel]") {
  const std::int64_t tokens = 11, channels = 3;
  const auto whole = at::arange(2 * tokens * channels, at::kFloat).view({2, tokens, channels});
  std::vector<at::Tensor> gathered(3);
  on_ranks(3, [&](Communicator& c) {
    attention::DenseAccelerator dense;
    SequenceParallelAccelerator sharded(dense, c);
    const auto shard = sharded.video_shard(tokens);
    gathered[static_cast<std::size_t>(c.rank())] = sharded.gather_video(whole.slice(1, shard.begin, shard.end));
  });
  for (const auto& g : gathered) CHECK(at::equal(g, whole));
}

TEST_CASE("a sparse method gets near-equal head shares when the ranks do not divide the heads", "[parallel]") {
  // 5 heads over 2 ranks are 2 + 3, over 3 ranks 1 + 2 + 2 (even_slice); each rank attends its heads
  // over the whole sequence, and every rank gets every head of its rows back.
  const attention::VideoLayout layout{7, 3, 3, 3};
  const std::int64_t batch = 2, heads = 5, dim = 8, total = layout.total_tokens();
  auto generator = at::detail::createCPUGenerator(13);
  const auto q = at::randn({batch, heads, total, dim}, generator), k = at::randn({batch, heads, total, dim}, generator),
             v = at::randn({batch, heads, total, dim}, generator);
  PerHeadStandIn whole;
  whole.assign_heads(0);
  const auto expected = whole.attention(0, q, k, v, layout, {});
  for (const int ranks : {2, 3}) {
    INFO(ranks << " ranks");
    std::vector<at::Tensor> outputs(static_cast<std::size_t>(ranks));
    std::vector<attention::TokenRange> shards(outputs.size()), shares(outputs.size());
    on_ranks(ranks, [&](Communicator& c) {
      PerHeadStandIn sparse;
      SequenceParallelAccelerator sharded(sparse, c);
      const auto shard = sharded.video_shard(layout.video_tokens());
      const auto r = static_cast<std::size_t>(c.rank());
      shards[r] = shard;
      outputs[r] = sharded.attention(0, local_rows(q, layout, shard), local_rows(k, layout, shard), local_rows(v, layout, shard), layout, {});
      shares[r] = {sparse.first_head, sparse.first_head + sparse.heads_seen};
    });
    for (int r = 0; r < ranks; ++r) {
      const auto share = attention::even_slice(heads, r, ranks);
      CHECK(shares[static_cast<std::size_t>(r)].begin == share.begin);
      CHECK(shares[static_cast<std::size_t>(r)].end == share.end);
      CHECK(at::allclose(outputs[static_cast<std::size_t>(r)], local_rows(expected, layout, shards[static_cast<std::size_t>(r)]), 1e-5, 1e-6));
    }
  }
  // Fewer heads than ranks would leave a rank without one.
  const auto x = at::randn({1, 2, 7 + 27, dim});
  on_ranks(3, [&](Communicator& c) {
    PerHeadStandIn sparse;
    SequenceParallelAccelerator sharded(sparse, c);
    const auto shard = sharded.video_shard(layout.video_tokens());
    const auto mine = local_rows(x, layout, shard);
    CHECK_THROWS_WITH(sharded.attention(0, mine, mine, mine, layout, {}), Catch::Contains("without a head"));
  });
}

TEST_CASE("the torchrun variables are read and checked", "[parallel]") {
  unsetenv("RANK");
  CHECK_FALSE(launch_environment_from_env().has_value());
  setenv("RANK", "1", 1);
  setenv("WORLD_SIZE", "4", 1);
  setenv("LOCAL_RANK", "1", 1);
  setenv("MASTER_ADDR", "10.0.0.2", 1);
  setenv("MASTER_PORT", "29500", 1);
  const auto env = launch_environment_from_env();
  REQUIRE(env);
  CHECK(env->rank == 1);
  CHECK(env->world_size == 4);
  CHECK(env->master_addr == "10.0.0.2");
  CHECK(env->master_port == 29500);
  setenv("RANK", "4", 1);
  CHECK_THROWS_WITH(launch_environment_from_env(), Catch::Contains("RANK='4'"));
  setenv("RANK", "0", 1);
  unsetenv("MASTER_PORT");
  CHECK_THROWS_WITH(launch_environment_from_env(), Catch::Contains("MASTER_PORT"));
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR"}) unsetenv(name);
}

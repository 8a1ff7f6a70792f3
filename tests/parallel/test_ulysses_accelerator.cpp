// Ulysses sequence parallelism against a single-process dense computation: ranks are threads of
// this process, each with its own Gloo process group over a TCPStore on a free port.
#include <ATen/ATen.h>

#include "attention/dense_accelerator.h"
#include "parallel/communicator.h"
#include "parallel/launch_environment.h"
#include "parallel/ulysses_accelerator.h"
#include "support/catch.h"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

using namespace astraea;
using namespace astraea::parallel;

namespace {

constexpr std::chrono::milliseconds kTimeout(30000);

// Runs body(communicator) on `ranks` threads joined into one Gloo group; rethrows the first error.
void on_ranks(int ranks, const std::function<void(Communicator&)>& body) {
  std::promise<int> port;
  auto port_ready = port.get_future().share();
  std::vector<std::future<void>> done;
  done.push_back(std::async(std::launch::async, [&] {
    LaunchEnvironment env;
    env.world_size = ranks;
    auto communicator = Communicator::host(env, CommBackend::kGloo, kTimeout, "{}", [&](int p) { port.set_value(p); });
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
      body(*communicator);
    }));
  }
  for (auto& d : done) d.get();
}

}  // namespace

TEST_CASE("sequence shards cover the tokens in order and differ by at most one", "[parallel]") {
  CHECK(sequence_shard(10, 0, 3).begin == 0);
  CHECK(sequence_shard(10, 0, 3).end == 3);
  CHECK(sequence_shard(10, 1, 3).end == 6);
  CHECK(sequence_shard(10, 2, 3).begin == 6);
  CHECK(sequence_shard(10, 2, 3).end == 10);
  CHECK(sequence_shard(7, 0, 1).end == 7);
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

TEST_CASE("Ulysses attention over ranks equals dense attention over the whole sequence", "[parallel]") {
  // 7 text tokens and 3 x 3 x 3 = 27 video tokens, which no rank count divides evenly.
  const attention::VideoLayout layout{7, 3, 3, 3};
  const std::int64_t batch = 2, heads = 6, dim = 16, total = layout.total_tokens();
  auto generator = at::detail::createCPUGenerator(11);
  const auto q = at::randn({batch, heads, total, dim}, generator), k = at::randn({batch, heads, total, dim}, generator),
             v = at::randn({batch, heads, total, dim}, generator);
  attention::DenseAccelerator reference;
  const auto expected = reference.attention(0, q, k, v, layout, {});
  for (const int ranks : {2, 3}) {
    INFO(ranks << " ranks");
    std::vector<at::Tensor> outputs(static_cast<std::size_t>(ranks));
    std::vector<attention::TokenRange> shards(static_cast<std::size_t>(ranks));
    on_ranks(ranks, [&](Communicator& c) {
      attention::DenseAccelerator dense;
      UlyssesAccelerator ulysses(dense, c);
      const auto shard = ulysses.video_shard(layout.video_tokens());
      auto local = [&](const at::Tensor& x) {
        return at::cat({x.slice(2, 0, layout.text_tokens), x.slice(2, layout.text_tokens + shard.begin, layout.text_tokens + shard.end)}, 2);
      };
      shards[static_cast<std::size_t>(c.rank())] = shard;
      outputs[static_cast<std::size_t>(c.rank())] = ulysses.attention(0, local(q), local(k), local(v), layout, {});
    });
    for (int r = 0; r < ranks; ++r) {
      const auto& shard = shards[static_cast<std::size_t>(r)];
      const auto& out = outputs[static_cast<std::size_t>(r)];
      REQUIRE(out.size(2) == layout.text_tokens + shard.end - shard.begin);
      CHECK(at::allclose(out.slice(2, 0, layout.text_tokens), expected.slice(2, 0, layout.text_tokens), 1e-5, 1e-6));
      CHECK(at::allclose(out.slice(2, layout.text_tokens),
                         expected.slice(2, layout.text_tokens + shard.begin, layout.text_tokens + shard.end), 1e-5, 1e-6));
    }
  }
}

TEST_CASE("gather_video reassembles the shards in order", "[parallel]") {
  const std::int64_t tokens = 11, channels = 3;
  const auto whole = at::arange(2 * tokens * channels, at::kFloat).view({2, tokens, channels});
  std::vector<at::Tensor> gathered(3);
  on_ranks(3, [&](Communicator& c) {
    attention::DenseAccelerator dense;
    UlyssesAccelerator ulysses(dense, c);
    const auto shard = ulysses.video_shard(tokens);
    gathered[static_cast<std::size_t>(c.rank())] = ulysses.gather_video(whole.slice(1, shard.begin, shard.end));
  });
  for (const auto& g : gathered) CHECK(at::equal(g, whole));
}

TEST_CASE("heads that do not split over the ranks are refused, naming Ring attention", "[parallel]") {
  const attention::VideoLayout layout{2, 1, 2, 2};
  const auto x = at::randn({1, 3, 2 + 2, 8});
  on_ranks(2, [&](Communicator& c) {
    attention::DenseAccelerator dense;
    UlyssesAccelerator ulysses(dense, c);
    ulysses.video_shard(layout.video_tokens());
    CHECK_THROWS_WITH(ulysses.attention(0, x, x, x, layout, {}), Catch::Contains("Ring attention"));
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

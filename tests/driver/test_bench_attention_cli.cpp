// `astraea bench attention` on the CPU (the kernel bridge's reference runs; the table says so):
// every point is timed and reported, the masks it writes hold the layout the Python baselines read
// (counts, then indices, int32) with round(density x blocks) blocks per query block and the
// diagonal kept, and bad input is one line and exit 2.
#include <ATen/ATen.h>

#include "driver/cli_runner.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

using astraea::testing::run_cli;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

std::vector<std::int32_t> read_int32(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::int32_t> values;
  std::int32_t x = 0;
  while (in.read(reinterpret_cast<char*>(&x), sizeof x)) values.push_back(x);
  return values;
}

}  // namespace

TEST_CASE("bench attention times SDPA, the dense policy and each block density, and writes the masks", "[driver][bench]") {
  Workspace ws;
  const auto r = run_cli("bench attention --shape 1,2,300,32 --density 1,0.5,0.34 --iters 3 --warmup-ms 5 --device cpu --dtype float32 "
                         "--json bench.json --mask-dir masks",
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("SDPA dense") && Catch::Contains("LibTorch reference") && Catch::Contains("astraea (block list)"));
  const auto report = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "bench.json"));
  REQUIRE(report.at("rows").size() == 5);  // SDPA, dense policy, three densities
  for (const auto& row : report.at("rows")) {
    CHECK(row.at("ms").get<double>() > 0);
    CHECK(row.at("iters").get<int>() == 3);
  }
  // 300 tokens are 3 blocks of 128: densities 1, 0.5 and 0.34 keep 3, 2 and 1 blocks per query block.
  CHECK(report.at("rows")[3].at("density").get<double>() == Approx(2.0 / 3.0));
  CHECK(report.at("rows")[4].at("density").get<double>() == Approx(1.0 / 3.0));
  CHECK(report.at("checks")[0].at("max_abs_diff_dense_vs_sdpa").get<double>() < 1e-5);

  const std::int64_t heads = 2, blocks = 3, rows = heads * blocks;
  for (const auto& [name, keep] : std::vector<std::pair<std::string, std::int32_t>>{{"1", 3}, {"0.5", 2}, {"0.34", 1}}) {
    INFO("density " << name);
    const auto values = read_int32(ws.path() / "masks" / ("mask_1_2_300_32_" + name + ".bin"));
    REQUIRE(values.size() == static_cast<std::size_t>(rows + rows * blocks));
    for (std::int64_t row = 0; row < rows; ++row) {
      CHECK(values[static_cast<std::size_t>(row)] == keep);
      const std::int64_t query_block = row % blocks;
      std::set<std::int32_t> kept;
      for (std::int32_t j = 0; j < keep; ++j) kept.insert(values[static_cast<std::size_t>(rows + row * blocks + j)]);
      CHECK(kept.size() == static_cast<std::size_t>(keep));
      CHECK(kept.count(static_cast<std::int32_t>(query_block)) == 1);
      for (const auto b : kept) CHECK((b >= 0 && b < blocks));
    }
  }
}

TEST_CASE("bench attention times ARM's pattern choice for a shape whose tokens a --layout accounts for", "[driver][bench]") {
  Workspace ws;
  // 6 text + 3 frames of 4 x 8 patches = 102 tokens: the first shape has a layout, the second none.
  const auto r = run_cli("bench attention --shape 1,2,102,16 --shape 1,2,100,16 --layout 6,3,4,8 --density 1 --iters 2 --warmup-ms 1 "
                         "--device cpu --dtype float32 --decide-every 4 --json bench.json",
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("ARM pattern choice") && Catch::Contains("6,3,4,8"));
  CHECK_THAT(r.err, Catch::Contains("no --layout has 100 tokens"));
  const auto report = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "bench.json"));
  REQUIRE(report.at("arm").size() == 1);
  const auto& arm = report.at("arm")[0];
  CHECK(arm.at("shape") == "1,2,102,16");
  CHECK(arm.at("iters").get<int>() == 2);
  const double sdpa_ms = report.at("rows")[0].at("ms").get<double>();
  CHECK(arm.at("percent_of_sdpa_dense").get<double>() == Approx(100.0 * arm.at("ms").get<double>() / sdpa_ms));
  // Deciding every 4 steps spreads one decision's time over 4 steps.
  CHECK_THAT(r.out, Catch::Contains("% of SDPA dense per step (r=4)"));
  CHECK(arm.at("decide_every").get<int>() == 4);
  CHECK(arm.at("percent_of_sdpa_dense_per_step").get<double>() == Approx(25.0 * arm.at("ms").get<double>() / sdpa_ms));
  const auto layout = run_cli("bench attention --shape 1,1,8,4 --layout 2,0,2,2 --device cpu", ws.path());
  CHECK(layout.status == 2);
  CHECK_THAT(layout.err, Catch::Contains("--layout '2,0,2,2'"));
}

TEST_CASE("bench attention refuses bad input in one line with exit 2", "[driver][bench]") {
  Workspace ws;
  const auto shape = run_cli("bench attention --shape 1,2,0,4 --device cpu", ws.path());
  CHECK(shape.status == 2);
  CHECK_THAT(shape.err, Catch::Contains("--shape '1,2,0,4'"));
  const auto density = run_cli("bench attention --shape 1,1,8,4 --density 0 --device cpu", ws.path());
  CHECK(density.status == 2);
  CHECK_THAT(density.err, Catch::Contains("--density 0 is outside (0, 1]"));
  const auto every = run_cli("bench attention --shape 1,1,8,4 --device cpu --decide-every 0", ws.path());
  CHECK(every.status == 2);
  CHECK_THAT(every.err, Catch::Contains("--decide-every 0 must be at least 1"));
  const auto flex = run_cli("bench attention --shape 1,1,8,4 --device cpu --flex", ws.path());
  CHECK(flex.status == 2);
  CHECK_THAT(flex.err, Catch::Contains("FlexAttention is timed on a CUDA device"));
}

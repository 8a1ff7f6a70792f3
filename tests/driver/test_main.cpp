// The CLI as users meet it: every kind of bad input gives one line on stderr and the documented
// exit status, and a failing command changes nothing already recorded.
#include "core/hash.h"
#include "driver/cli_runner.h"
#include "support/catch.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using astraea::testing::count_lines;
using astraea::testing::run_cli;
using astraea::testing::TempDir;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

constexpr int kUsage = 2;
constexpr int kNotBuilt = 3;
constexpr int kStorage = 4;

void expect_one_line_error(const astraea::testing::CliResult& r, int status, const std::string& fragment) {
  INFO("stderr: " << r.err);
  CHECK(r.status == status);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.rfind("astraea: error: ", 0) == 0);
  CHECK(r.err.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("--cfg prints the resolved config and runs nothing", "[driver][cli]") {
  Workspace ws;
  const auto r = run_cli("run experiments/smoke.yaml --cfg method=rainfusion method.sparsity=0.75", ws.path());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("sparsity: 0.75") != std::string::npos);
  CHECK(r.out.find("name: rainfusion") != std::string::npos);
  CHECK_FALSE(fs::exists(ws.path() / "outputs"));
}

TEST_CASE("run generates with the tiny model, records the trial and writes the output tree", "[driver][cli]") {
  Workspace ws;
  const auto r = run_cli("run experiments/smoke.yaml seed=3 sampler.steps=2 'prompts.texts=[a red square moves left]'", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("trial 1 of study 'smoke' complete") != std::string::npos);
  REQUIRE(fs::exists(ws.path() / "outputs"));
  const auto day = *fs::directory_iterator(ws.path() / "outputs");
  const auto run_dir = *fs::directory_iterator(day.path());
  CHECK(astraea::testing::read_file(run_dir.path() / "config.yaml").find("seed: 3") != std::string::npos);
  CHECK(astraea::testing::read_file(run_dir.path() / "overrides.yaml").find("- \"seed=3\"") == 0);
  CHECK(fs::exists(run_dir.path() / "latents_p0_s42.safetensors"));
  const auto show = run_cli("db show --trial 1", ws.path());
  REQUIRE(show.status == 0);
  CHECK(show.out.find("COMPLETE") != std::string::npos);
  CHECK(show.out.find("latency_ms") != std::string::npos);
  CHECK(show.out.find("artifact latents_p0_s42.safetensors") != std::string::npos);
  // The recorded trial re-runs exactly, as a new trial.
  const auto again = run_cli("run --from-trial 1", ws.path());
  INFO(again.err);
  CHECK(again.status == 0);
  CHECK(again.out.find("trial 2 of study 'smoke' complete") != std::string::npos);
}

TEST_CASE("sweep runs one trial per job and resumes without repeating them", "[driver][cli]") {
  Workspace ws;
  const std::string args = "sweep experiments/smoke.yaml -m sampler.steps=1 'prompts.texts=[a]' seed='range(0,3)' sampler=ddim,dpm";
  const auto first = run_cli(args, ws.path());
  INFO(first.err);
  REQUIRE(first.status == 0);
  CHECK(first.out.find("6 of 6 jobs complete") != std::string::npos);
  CHECK(first.out.find("0 failed this run") != std::string::npos);
  const auto second = run_cli(args, ws.path());
  REQUIRE(second.status == 0);
  CHECK(second.out.find("6 of 6 jobs complete") != std::string::npos);
  const auto show = run_cli("db show --study smoke", ws.path());
  REQUIRE(show.status == 0);
  // The overrides all six share are named once; each row keeps what sets it apart.
  CHECK(show.out.find("every trial sets: sampler.steps=1 prompts.texts=[a]\n") != std::string::npos);
  CHECK(show.out.find("  seed=2 sampler=dpm") != std::string::npos);
  CHECK(show.out.find("sampler.steps=1 prompts.texts=[a] seed=") == std::string::npos);
  CHECK(count_lines(show.out) == 1 + 1 + 2 + 6);  // title, shared overrides, header + rule, six trials: nothing ran twice
  const auto day = *fs::directory_iterator(ws.path() / "multirun");
  const auto sweep_dir = *fs::directory_iterator(day.path());
  CHECK(fs::exists(sweep_dir.path() / "multirun.yaml"));
  CHECK(fs::exists(sweep_dir.path() / "5" / "config.yaml"));
}

TEST_CASE("a sweep including a method this build cannot run at that size fails before recording anything", "[driver][cli]") {
  Workspace ws;
  // Every method is built; RainFusion on the CPU at 8 + 8 x 64 x 64 tokens is not (its
  // reference implementation stops at 8192 tokens without the block-sparse kernels).
  const auto r = run_cli("sweep experiments/smoke.yaml -m method.name=dense,rainfusion video.height=128 video.width=128", ws.path());
  expect_one_line_error(r, kNotBuilt, "job 1: method 'rainfusion' at 32776 tokens needs the block-sparse kernels");
  CHECK_FALSE(fs::exists(ws.path() / "astraea.db"));
}

TEST_CASE("dense, RainFusion, ASTRAEA and their combination all run through the CLI and record their statistics", "[driver][cli]") {
  Workspace ws;
  const auto r = run_cli("sweep experiments/smoke.yaml -m sampler.steps=3 'prompts.texts=[a]' method=dense,rainfusion,astraea,astraea_rainfusion", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("4 of 4 jobs complete") != std::string::npos);
  const auto rainfusion = run_cli("db show --trial 2", ws.path());
  CHECK(rainfusion.out.find("method=rainfusion") != std::string::npos);
  CHECK(rainfusion.out.find("rainfusion_spatial_share") != std::string::npos);
  CHECK(rainfusion.out.find("arm_time_share") != std::string::npos);
  // 3 steps, 1 of them dense: each layer decides at both sparse steps, and the second compares.
  CHECK(rainfusion.out.find("rainfusion_pattern_decisions") != std::string::npos);
  CHECK(rainfusion.out.find("rainfusion_pattern_change_rate") != std::string::npos);
}

TEST_CASE("a trial that fails is recorded with its reason and the sweep goes on", "[driver][cli]") {
  Workspace ws;
  // 'model.weights' is no safetensors file: each checkpoint trial fails at load time, the random one completes.
  ws.dir.write("corrupt.safetensors", "not a safetensors file");
  const auto r = run_cli("sweep experiments/smoke.yaml -m sampler.steps=1 'prompts.texts=[a]' model.init=random,checkpoint "
                         "model.weights=corrupt.safetensors +study.max_attempts=1",
                         ws.path());
  CHECK(r.status == 1);
  CHECK(r.out.find("1 of 2 jobs complete") != std::string::npos);
  CHECK(r.out.find("FAILED") != std::string::npos);
  CHECK(r.out.find("corrupt.safetensors") != std::string::npos);
}

TEST_CASE("a profiled run records the step's trace with the model's regions", "[driver][cli]") {
  Workspace ws;
  const auto r = run_cli("run experiments/smoke.yaml sampler.steps=2 'prompts.texts=[a]' ++study.profile_step=1", ws.path());
  REQUIRE(r.status == 0);
  const auto shown = run_cli("db show --trial 1", ws.path());
  const auto at = shown.out.find("trace_step1.json");
  REQUIRE(at != std::string::npos);
  std::vector<fs::path> traces;
  for (const auto& entry : fs::recursive_directory_iterator(ws.path() / "outputs")) {
    if (entry.path().filename() == "trace_step1.json") traces.push_back(entry.path());
  }
  REQUIRE(traces.size() == 1);
  std::ifstream in(traces.front());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"attn.attention\"") != std::string::npos);
  CHECK(text.find("\"block.ff\"") != std::string::npos);
}

TEST_CASE("bad configs and overrides: one line, exit 2, nothing recorded", "[driver][cli][errors]") {
  Workspace ws;
  ws.dir.write("experiments/broken.yaml", "defaults:\n  - model: tiny\nstudy: {name: x\n");
  ws.dir.write("experiments/cycle.yaml", "defaults:\n  - _self_\nstudy:\n  name: ${seed}\nseed: ${study.name}\n");
  ws.dir.write("experiments/bad_group.yaml", "defaults:\n  - model: nonexistent\n");
  // Record something first; no failing command below may change it.
  run_cli("sweep experiments/smoke.yaml -m sampler.steps=1 'prompts.texts=[a]' seed=1,2", ws.path());
  const auto db = ws.path() / "astraea.db";
  REQUIRE(fs::exists(db));
  const std::string before = astraea::sha256_file_hex(db);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"run experiments/broken.yaml", "broken.yaml:4:1: invalid YAML"},
      {"run experiments/smoke.yaml model.num_layrs=3", "did you mean 'model.num_layers'"},
      {"run experiments/smoke.yaml ++model.num_layrs=3", "model.num_layrs: unknown key (did you mean 'model.num_layers'?)"},
      {"run experiments/smoke.yaml sampler.steps=many", "sampler.steps: expected an integer, got 'many'"},
      {"run experiments/smoke.yaml sampler.steps=2 ++study.profile_step=2", "study.profile_step=2: the generation has steps 0..1"},
      {"run experiments/smoke.yaml method=rainfusion method.sparsity=1.5", "expected a number in [0, 1), got 1.5"},
      {"run experiments/missing.yaml", "config file 'experiments/missing.yaml' not found"},
      {"run experiments/bad_group.yaml", "group 'model' has no option 'nonexistent'"},
      {"run experiments/smoke.yaml method=rainfusoin", "override 'method=rainfusoin': group 'method' has no option 'rainfusoin', did you mean 'rainfusion'?"},
      {"run experiments/cycle.yaml", "interpolation cycle"},
      {"run experiments/smoke.yaml 'a.b=[1,2'", "override 'a.b=[1,2'"},
      {"run experiments/smoke.yaml seed=1,2", "use 'astraea sweep CONFIG ... -m'"},
      {"sweep experiments/smoke.yaml -m seed=1,2 model.layrs=3", "job 0 (seed=1 model.layrs=3)"},
      {"sweep experiments/smoke.yaml -m 'seed=range(0,3,0)'", "override 'seed=range(0,3,0)'"},
      {"frobnicate", "frobnicate"},
  };
  for (const auto& [args, fragment] : cases) {
    INFO(args);
    const auto r = run_cli(args, ws.path());
    if (args == "frobnicate") {
      CHECK(r.status == kUsage);
      CHECK(count_lines(r.err) == 1);
      continue;
    }
    expect_one_line_error(r, kUsage, fragment);
  }
  CHECK(astraea::sha256_file_hex(db) == before);
}

TEST_CASE("unusable databases: one line, exit 4, file untouched", "[driver][cli][errors]") {
  Workspace ws;
  const auto corrupt = ws.dir.write("corrupt.db", std::string(4096, 'z'));
  const std::string corrupt_hash = astraea::sha256_file_hex(corrupt);
  expect_one_line_error(run_cli("db ls --db corrupt.db", ws.path()), kStorage, "corrupt.db");
  CHECK(astraea::sha256_file_hex(corrupt) == corrupt_hash);
  expect_one_line_error(run_cli("db ls --db nothing.db", ws.path()), kStorage, "does not exist");
  CHECK_FALSE(fs::exists(ws.path() / "nothing.db"));
  // A sweep into a corrupt database fails before touching it.
  const auto r = run_cli("sweep experiments/smoke.yaml -m sampler.steps=1 study.db=corrupt.db", ws.path());
  CHECK(r.status == kStorage);
  CHECK(astraea::sha256_file_hex(corrupt) == corrupt_hash);
}

TEST_CASE("every subcommand has help, and a study config is not a training config", "[driver][cli]") {
  Workspace ws;
  // A study config is not a training config: one line naming what is missing, exit 2.
  expect_one_line_error(run_cli("train experiments/smoke.yaml", ws.path()), kUsage, "needs a train section");
  for (const char* sub : {"run", "sweep", "search", "worker", "export", "bench", "train", "db"}) {
    const auto help = run_cli(std::string(sub) + " --help", ws.path());
    INFO(sub);
    CHECK(help.status == 0);
    CHECK(help.out.find("Usage") != std::string::npos);
  }
}

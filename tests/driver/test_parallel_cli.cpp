// Sequence-parallel generation through the CLI, on CPU ranks over Gloo: `parallel.gpus=2` starts
// a second rank, and the latents equal the single-process run's within 1e-5 (fp32), for dense,
// RainFusion and ASTRAEA (against one process selecting per slice as the ranks do per shard), over
// Ulysses and over Ring attention (3 ranks for the tiny model's 4 heads); a rank that dies fails
// the trial promptly with an error naming it; what is not built yet says so before anything runs.
#include <ATen/ATen.h>

#include "driver/cli_runner.h"
#include "model/safetensors_file.h"
#include "results/store.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>

using astraea::testing::run_cli;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

// Latents of every generation of every trial in `db`, keyed by study, RainFusion sparsity (none
// for the dense reference) and file name: the keys two sweeps that differ in parallel.gpus share.
std::map<std::string, at::Tensor> latents_by_trial(const fs::path& root, const std::string& db) {
  astraea::results::StoreOptions options;
  options.read_only = true;
  astraea::results::Store store(root / db, options);
  std::map<std::string, at::Tensor> out;
  for (const auto& summary : store.list_studies()) {
    const auto& study = summary.study;
    for (const auto& trial : store.trials(study.id, false)) {
      REQUIRE(trial.status == astraea::results::TrialStatus::kComplete);
      const auto sparsity = trial.overrides_json.find("sparsity=0.5") != std::string::npos   ? "0.5"
                            : trial.overrides_json.find("sparsity=0.9") != std::string::npos ? "0.9"
                                                                                               : "none";
      for (const auto& a : store.artifacts(trial.id)) {
        if (a.kind != "latents") continue;
        out[fmt::format("{} {} {}", study.name, sparsity, a.name)] = astraea::model::SafetensorsFile(root / a.path).tensor("latents");
      }
    }
  }
  return out;
}

// Latents of the first prompt of the trial whose overrides name `method`, in root/db.
at::Tensor first_latents(const fs::path& root, const std::string& db, const std::string& method) {
  astraea::results::StoreOptions options;
  options.read_only = true;
  astraea::results::Store store(root / db, options);
  for (const auto& summary : store.list_studies()) {
    for (const auto& trial : store.trials(summary.study.id, false)) {
      if (trial.overrides_json.find("method=" + method) == std::string::npos) continue;
      REQUIRE(trial.status == astraea::results::TrialStatus::kComplete);
      for (const auto& a : store.artifacts(trial.id)) {
        if (a.kind == "latents" && a.name.find("_p0_") != std::string::npos) return astraea::model::SafetensorsFile(root / a.path).tensor("latents");
      }
    }
  }
  FAIL("no trial with method=" << method << " and latents in " << db);
  return {};
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

astraea::results::Store read_only_store(const fs::path& db) {
  astraea::results::StoreOptions options;
  options.read_only = true;
  return astraea::results::Store(db, options);
}

// The trials of study "smoke" in root/astraea.db.
std::vector<astraea::results::TrialRow> smoke_trials(const fs::path& root) {
  auto store = read_only_store(root / "astraea.db");
  const auto study = store.find_study("smoke");
  REQUIRE(study);
  return store.trials(study->id, false);
}

}  // namespace

TEST_CASE("two ranks generate the single-process latents, dense and RainFusion", "[driver][parallel]") {
  Workspace ws;
  const std::string sweep = "sweep experiments/smoke.yaml -m sampler.steps=4 method=rainfusion method.sparsity=0.5,0.9 method.decision=random";
  const auto single = run_cli(sweep + " study.db=single.db", ws.path());
  REQUIRE(single.status == 0);
  const auto ranks = run_cli(sweep + " study.db=ranks.db parallel.gpus=2", ws.path());
  INFO(ranks.err);
  REQUIRE(ranks.status == 0);

  const auto expected = latents_by_trial(ws.path(), "single.db");
  const auto actual = latents_by_trial(ws.path(), "ranks.db");
  // Two RainFusion trials and their dense reference, two prompts each.
  REQUIRE(expected.size() == 6);
  REQUIRE(actual.size() == expected.size());
  for (const auto& [key, latents] : expected) {
    INFO(key);
    REQUIRE(actual.count(key) == 1);
    CHECK((actual.at(key) - latents).abs().max().item<double>() <= 1e-5);
  }
}

TEST_CASE("two ranks generate ASTRAEA's single-process latents when one process selects per slice as the ranks do per shard",
          "[driver][parallel]") {
  Workspace ws;
  const std::string run = "run experiments/smoke.yaml sampler.steps=4 method=astraea method.total_budget=0.3";
  const auto balanced = run_cli(run + " method.selection_shards=2 study.db=balanced.db", ws.path());
  REQUIRE(balanced.status == 0);
  const auto global = run_cli(run + " study.db=global.db", ws.path());
  REQUIRE(global.status == 0);
  const auto ranks = run_cli(run + " parallel.gpus=2 study.db=ranks.db", ws.path());
  INFO(ranks.err);
  REQUIRE(ranks.status == 0);
  const auto expected = first_latents(ws.path(), "balanced.db", "astraea");
  CHECK(max_abs_diff(first_latents(ws.path(), "ranks.db", "astraea"), expected) <= 1e-5);
  // The balance is what makes them equal: one top-k over the whole sequence picks other tokens.
  CHECK(max_abs_diff(first_latents(ws.path(), "global.db", "astraea"), expected) > 1e-3);
}

TEST_CASE("three ranks for four heads run Ring attention and generate the single-process latents, dense and ASTRAEA",
          "[driver][parallel]") {
  Workspace ws;
  const std::map<std::string, std::string> runs{{"dense", "method=dense"}, {"astraea", "method=astraea method.total_budget=0.3"}};
  for (const auto& [method, overrides] : runs) {
    INFO(method);
    const std::string run = "run experiments/smoke.yaml sampler.steps=4 " + overrides;
    const auto single = run_cli(run + (method == "astraea" ? " method.selection_shards=3" : "") + " study.db=single_" + method + ".db", ws.path());
    REQUIRE(single.status == 0);
    const auto ranks = run_cli(run + " parallel.gpus=3 study.db=ranks_" + method + ".db", ws.path());
    INFO(ranks.err);
    REQUIRE(ranks.status == 0);
    CHECK(max_abs_diff(first_latents(ws.path(), "ranks_" + method + ".db", method), first_latents(ws.path(), "single_" + method + ".db", method)) <=
          1e-5);
  }
}

TEST_CASE("three ranks for four heads give RainFusion head shares of 1, 1 and 2 and generate the single-process latents",
          "[driver][parallel]") {
  Workspace ws;
  // ARM chooses each head's pattern from that head's whole sequence, on whichever rank holds it.
  const std::string run = "run experiments/smoke.yaml sampler.steps=4 method=rainfusion method.sparsity=0.5";
  const auto single = run_cli(run + " study.db=single.db", ws.path());
  REQUIRE(single.status == 0);
  const auto ranks = run_cli(run + " parallel.gpus=3 study.db=ranks.db", ws.path());
  INFO(ranks.err);
  REQUIRE(ranks.status == 0);
  CHECK(max_abs_diff(first_latents(ws.path(), "ranks.db", "rainfusion"), first_latents(ws.path(), "single.db", "rainfusion")) <= 1e-5);
}

TEST_CASE("a rank that dies fails the trial promptly, naming the rank", "[driver][parallel]") {
  Workspace ws;
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_cli("run experiments/smoke.yaml sampler.steps=2 parallel.gpus=2 parallel.timeout_s=60", ws.path(), "ASTRAEA_TEST_RANK_EXIT=1");
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("rank 1") && Catch::Contains("exited with status 17"));
  CHECK(took.count() < 60);

  const auto trials = smoke_trials(ws.path());
  REQUIRE(trials.size() == 1);
  CHECK(trials[0].status == astraea::results::TrialStatus::kFailed);
  REQUIRE(trials[0].error);
  CHECK_THAT(*trials[0].error, Catch::Contains("rank 1"));
}

TEST_CASE("what sequence parallelism cannot run yet is refused before anything runs", "[driver][parallel]") {
  Workspace ws;
  const auto combined = run_cli("run experiments/smoke.yaml method=astraea_rainfusion parallel.gpus=2", ws.path());
  CHECK(combined.status == 3);
  CHECK_THAT(combined.err, Catch::Contains("not built yet") && Catch::Contains("astraea_rainfusion"));
  const auto headless = run_cli("run experiments/smoke.yaml method=rainfusion parallel.gpus=5", ws.path());
  CHECK(headless.status == 2);
  CHECK_THAT(headless.err, Catch::Contains("4 heads over 5 sequence-parallel ranks leave a rank without a head"));
  const auto bad = run_cli("run experiments/smoke.yaml", ws.path(), "RANK=0 WORLD_SIZE=2 MASTER_PORT=banana");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("MASTER_PORT='banana'"));
  CHECK_FALSE(fs::exists(ws.path() / "astraea.db"));
}

TEST_CASE("a sweep over the rank count starts a fresh set of ranks for each", "[driver][parallel]") {
  Workspace ws;
  const auto r = run_cli("sweep experiments/smoke.yaml -m sampler.steps=2 parallel.gpus=2,4", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto trials = smoke_trials(ws.path());
  REQUIRE(trials.size() == 2);
  // Same prompts, seeds and dense method: the two rank counts give the same latents.
  std::vector<at::Tensor> first_prompt;
  const auto store = read_only_store(ws.path() / "astraea.db");
  for (const auto& trial : trials) {
    CHECK(trial.status == astraea::results::TrialStatus::kComplete);
    for (const auto& a : store.artifacts(trial.id)) {
      if (a.kind == "latents" && a.name.find("_p0_") != std::string::npos) {
        first_prompt.push_back(astraea::model::SafetensorsFile(ws.path() / a.path).tensor("latents"));
      }
    }
  }
  REQUIRE(first_prompt.size() == 2);
  CHECK((first_prompt[0] - first_prompt[1]).abs().max().item<double>() <= 1e-5);
}

TEST_CASE("bench e2e times every setting on every rank count against dense on one rank", "[driver][parallel][bench]") {
  Workspace ws;
  const auto r = run_cli("bench e2e experiments/smoke.yaml sampler.steps=2 method=dense,rainfusion --gpus 1,2 --json e2e.json", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("baseline: sampler.steps=2 method=dense on 1 rank"));
  const auto report = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "e2e.json"));
  CHECK(report.at("complete").get<bool>());
  REQUIRE(report.at("rows").size() == 4);
  for (const auto& row : report.at("rows")) {
    CHECK(row.at("median_ms").get<double>() > 0);
    CHECK(row.at("step_ms").size() == 2);
    CHECK(row.at("steady_step_ms").get<double>() == Approx(row.at("step_ms")[1].get<double>()));
    if (row.at("ranks") == 1 && row.at("setting") == "sampler.steps=2 method=dense") CHECK(row.at("speedup_vs_baseline").get<double>() == Approx(1.0));
  }
  const auto bad = run_cli("bench e2e experiments/smoke.yaml --gpus 0", ws.path());
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("--gpus 0"));
  // Without a one-rank point there is nothing to compare against: null, not a number.
  const auto two = run_cli("bench e2e experiments/smoke.yaml sampler.steps=2 method=dense --gpus 2 --json two.json", ws.path());
  INFO(two.err);
  REQUIRE(two.status == 0);
  const auto alone = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "two.json")).at("rows").at(0);
  CHECK(alone.at("median_ms").get<double>() > 0);
  CHECK(alone.at("speedup_vs_baseline").is_null());
  CHECK(alone.at("scaling_vs_one_rank").is_null());
}

TEST_CASE("bench e2e --resume keeps the points its JSON holds and measures only the rest", "[driver][parallel][bench]") {
  Workspace ws;
  const auto first = run_cli("bench e2e experiments/smoke.yaml sampler.steps=2 --gpus 2 --json e2e.json", ws.path());
  REQUIRE(first.status == 0);
  const auto earlier = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "e2e.json"));
  // One rank is measured first; the two-rank point, kept, comes after it and must still be written.
  const auto r = run_cli("bench e2e experiments/smoke.yaml sampler.steps=2 --gpus 1,2 --json e2e.json --resume", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("on 2 rank(s): ") && Catch::Contains("kept from e2e.json"));
  const auto report = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "e2e.json"));
  CHECK(report.at("complete").get<bool>());
  REQUIRE(report.at("rows").size() == 2);
  CHECK(report.at("rows")[0].at("ranks") == 1);
  CHECK(report.at("rows")[0].at("median_ms").get<double>() > 0);
  CHECK(report.at("rows")[1].at("median_ms") == earlier.at("rows")[0].at("median_ms"));  // kept, not re-measured
  // Another config's file is not resumed.
  const auto other = run_cli("bench e2e experiments/quickstart.yaml --gpus 1 --json e2e.json --resume", ws.path());
  CHECK(other.status == 2);
  CHECK_THAT(other.err, Catch::Contains("drop --resume"));
  // A file that is not one of ours is one line and exit 2, and stays as it was.
  const auto junk = ws.dir.write("junk.json", "{\"rows\": [1, 2");
  const auto malformed = run_cli("bench e2e experiments/smoke.yaml --gpus 1 --json junk.json --resume", ws.path());
  CHECK(malformed.status == 2);
  CHECK_THAT(malformed.err, Catch::Contains("junk.json is not a bench e2e JSON file"));
  CHECK(astraea::testing::read_file(junk) == "{\"rows\": [1, 2");
}

TEST_CASE("bench e2e keeps the points that ran when one fails, and exits non-zero", "[driver][parallel][bench]") {
  Workspace ws;
  const auto r = run_cli("bench e2e experiments/smoke.yaml sampler.steps=2 --gpus 1,2 --json e2e.json", ws.path(), "ASTRAEA_TEST_RANK_EXIT=1");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("on 2 rank(s) failed") && Catch::Contains("rank 1"));
  CHECK_THAT(r.out, Catch::Contains("failed"));
  const auto report = nlohmann::json::parse(astraea::testing::read_file(ws.path() / "e2e.json"));
  REQUIRE(report.at("rows").size() == 2);
  CHECK(report.at("rows")[0].at("median_ms").get<double>() > 0);
  CHECK_THAT(report.at("rows")[1].at("error").get<std::string>(), Catch::Contains("rank 1"));
}

TEST_CASE("CFG parallelism, alone and with Ulysses, generates the single-process latents", "[driver][parallel]") {
  Workspace ws;
  REQUIRE(run_cli("run experiments/smoke.yaml sampler.steps=2 study.db=single.db", ws.path()).status == 0);
  const auto ranks = run_cli("sweep experiments/smoke.yaml -m sampler.steps=2 parallel.cfg=true parallel.gpus=2,4 study.db=ranks.db", ws.path());
  INFO(ranks.err);
  REQUIRE(ranks.status == 0);
  const auto expected = latents_by_trial(ws.path(), "single.db");
  REQUIRE(expected.size() == 2);
  const auto store = read_only_store(ws.path() / "ranks.db");
  const auto study = store.find_study("smoke");
  REQUIRE(study);
  int compared = 0;
  for (const auto& trial : store.trials(study->id, false)) {
    REQUIRE(trial.status == astraea::results::TrialStatus::kComplete);
    for (const auto& a : store.artifacts(trial.id)) {
      if (a.kind != "latents") continue;
      INFO(trial.overrides_json << " " << a.name);
      const auto latents = astraea::model::SafetensorsFile(ws.path() / a.path).tensor("latents");
      CHECK((latents - expected.at("smoke none " + a.name)).abs().max().item<double>() <= 1e-5);
      ++compared;
    }
  }
  CHECK(compared == 4);
  const auto odd = run_cli("run experiments/smoke.yaml parallel.cfg=true parallel.gpus=3", ws.path());
  CHECK(odd.status == 2);
  CHECK_THAT(odd.err, Catch::Contains("even parallel.gpus"));
}

// Fidelity against the dense reference through the CLI. References: the latents of an independent
// method=dense trial of the same config (the cached reference must be byte-identical to them), and
// ASTRAEA at budget 1 (every token recomputed: fidelity must be exact up to float noise).
#include "core/hash.h"
#include "driver/cli_runner.h"
#include "results/store.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <set>

using astraea::results::Store;
using astraea::results::StoreOptions;
using astraea::results::TrialStatus;
using astraea::testing::run_cli;
using astraea::testing::TempDir;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Store> open_read_only(const fs::path& db) {
  StoreOptions options;
  options.read_only = true;
  return std::make_unique<Store>(db, options);
}

double metric(const Store& store, std::int64_t trial, const std::string& name) {
  for (const auto& m : store.metrics(trial)) {
    if (m.name == name) return m.value;
  }
  FAIL("trial " << trial << " has no metric " << name);
  return 0;
}

}  // namespace

TEST_CASE("sparse trials are measured against one cached dense reference, identical to a dense trial", "[driver][fidelity]") {
  Workspace ws;
  const auto first = run_cli("sweep experiments/smoke.yaml -m sampler.steps=3 'prompts.texts=[a]' method=dense,rainfusion", ws.path());
  INFO(first.err);
  REQUIRE(first.status == 0);
  const auto second =
      run_cli("sweep experiments/smoke.yaml -m sampler.steps=3 'prompts.texts=[a]' method=astraea method.total_budget=0.5,1.0", ws.path());
  INFO(second.err);
  REQUIRE(second.status == 0);
  const auto opened = open_read_only(ws.path() / "astraea.db");
  const Store& store = *opened;
  const auto references = store.find_study("_references");
  REQUIRE(references);
  const auto reference_trials = store.trials(references->id, false);
  REQUIRE(reference_trials.size() == 1);  // generated once for every sparse trial
  CHECK(reference_trials[0].attempts == 1);

  const auto study = store.find_study("smoke");
  REQUIRE(study);
  std::string dense_latents, reference_latents;
  // Artifact paths are relative to the directory the command ran in.
  for (const auto& a : store.artifacts(reference_trials[0].id)) reference_latents = astraea::sha256_file_hex(ws.path() / a.path);
  int sparse = 0;
  for (const auto& t : store.trials(study->id, false)) {
    REQUIRE(t.status == TrialStatus::kComplete);
    if (t.overrides_json.find("method=dense") != std::string::npos) {
      for (const auto& a : store.artifacts(t.id)) dense_latents = astraea::sha256_file_hex(ws.path() / a.path);
      continue;
    }
    ++sparse;
    CHECK(metric(store, t.id, "reference_trial") == reference_trials[0].id);
    const double rel = metric(store, t.id, "latent_rel_l2");
    const double cosine = metric(store, t.id, "latent_cosine");
    CHECK(rel >= 0);
    CHECK(cosine <= 1.0 + 1e-12);
    if (t.overrides_json.find("total_budget=1.0") != std::string::npos) {
      CHECK(rel < 1e-6);  // every token recomputed: the dense computation
    } else {
      CHECK(rel > 1e-6);  // a real approximation is not free
    }
  }
  CHECK(sparse == 3);
  REQUIRE_FALSE(dense_latents.empty());
  CHECK(dense_latents == reference_latents);
}

TEST_CASE("latency: warm-up generations are excluded, repeats are timed, attention is timed per layer", "[driver][latency]") {
  Workspace ws;
  const auto r = run_cli("run experiments/smoke.yaml sampler.steps=2 'prompts.texts=[a,b]' +study.warmup=1 +study.repeats=3", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto opened = open_read_only(ws.path() / "astraea.db");
  const Store& store = *opened;
  const auto metrics = store.metrics(1);
  auto value = [&](const std::string& name, std::int64_t step) {
    for (const auto& m : metrics) {
      if (m.name == name && m.step == step) return m.value;
    }
    FAIL("no metric " << name << " at step " << step);
    return 0.0;
  };
  CHECK(value("timed_generations", 0) == 2 * 3);  // 2 prompts x 1 seed x 3 repeats; the warm-up is not counted
  CHECK(value("generations", 0) == 2);
  int layers = 0;
  double sum = 0;
  for (const auto& m : metrics) {
    if (m.name == "attention_ms") {
      ++layers;
      CHECK(m.value > 0);
      sum += m.value;
    }
  }
  CHECK(layers == 4);  // the tiny model's blocks (experiments/model/tiny.yaml)
  CHECK(value("attention_total_ms", 0) == Approx(sum));
  CHECK(value("attention_total_ms", 0) < value("latency_ms", 0));
}

TEST_CASE("study.paired_dense times dense beside each sparse generation, and the Pareto table takes that speedup", "[driver][latency]") {
  Workspace ws;
  // One prompt, one seed, one repeat: the median of the per-pair ratios is the one pair's ratio, so
  // it must equal the two recorded latencies' quotient exactly.
  const std::string args = "sweep experiments/smoke.yaml -m sampler.steps=2 'prompts.texts=[a]' +study.warmup=1 +study.paired_dense=true ";
  const auto r = run_cli(args + "method=dense,astraea", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto opened = open_read_only(ws.path() / "astraea.db");
  const Store& store = *opened;
  const auto study = store.find_study("smoke");
  REQUIRE(study);
  double paired_speedup = 0;
  for (const auto& t : store.trials(study->id, true)) {
    bool has_paired = false;
    for (const auto& m : t.metrics) has_paired = has_paired || m.name == "paired_speedup";
    if (t.overrides_json.find("method=dense") != std::string::npos) {
      CHECK_FALSE(has_paired);  // dense is its own baseline
      continue;
    }
    REQUIRE(has_paired);
    paired_speedup = metric(store, t.id, "paired_speedup");
    CHECK(paired_speedup == Approx(metric(store, t.id, "paired_dense_latency_ms") / metric(store, t.id, "latency_ms")).epsilon(1e-12));
    CHECK(metric(store, t.id, "timed_generations") == 1);  // the dense pairs are not the trial's own timings
  }
  REQUIRE(paired_speedup > 0);

  const auto json = run_cli("export pareto --study smoke --quality latent_rel_l2 --format json", ws.path());
  INFO(json.err);
  REQUIRE(json.status == 0);
  const auto table = nlohmann::json::parse(json.out);
  const auto& rows = table.at("rows");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("dense").get<bool>());
  CHECK_FALSE(rows[0].at("speedup_paired").get<bool>());
  CHECK(rows[1].at("speedup_paired").get<bool>());
  CHECK(rows[1].at("speedup").get<double>() == Approx(paired_speedup).epsilon(1e-12));
  const auto md = run_cli("export pareto --study smoke --quality latent_rel_l2", ws.path());
  CHECK(md.out.find("speedup of 1 row(s) paired") != std::string::npos);
}

TEST_CASE("export pareto names the overrides every sweep row shares once and labels rows by the rest", "[driver][fidelity][export]") {
  Workspace ws;
  const auto r = run_cli("sweep experiments/smoke.yaml -m sampler.steps=2 'prompts.texts=[a]' method=astraea method.total_budget=0.3,0.7", ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto json = run_cli("export pareto --study smoke --format json", ws.path());
  INFO(json.err);
  REQUIRE(json.status == 0);
  const auto table = nlohmann::json::parse(json.out);
  CHECK(table.at("common_overrides") == nlohmann::json({"sampler.steps=2", "prompts.texts=[a]", "method=astraea"}));
  std::set<std::string> labels;
  for (const auto& row : table.at("rows")) labels.insert(row.at("configuration").get<std::string>());
  CHECK(labels == std::set<std::string>{"method.total_budget=0.3", "method.total_budget=0.7"});
  const auto md = run_cli("export pareto --study smoke", ws.path());
  CHECK_THAT(md.out, Catch::Contains("Every sweep row below also sets: `sampler.steps=2 prompts.texts=[a] method=astraea`"));
  CHECK_THAT(md.out, Catch::Contains("| method.total_budget=0.7 |"));
  // Neither a dense row nor paired timings: the footer says why the speedup column is blank.
  CHECK_THAT(md.out, Catch::Contains("no speedup: the study has neither a dense trial"));
}

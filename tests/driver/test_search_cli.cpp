// astraea search through the CLI with the synthetic evaluator (a closed form, milliseconds per
// evaluation). References: an uninterrupted run of the same command, whose stored final state
// (population, pending candidates, RNG position) a run killed with SIGKILL at many points and
// resumed each time must reproduce byte for byte; and the set of evaluated configurations, which
// must be the same with no evaluation lost or repeated beyond those killed in flight.
#include "driver/cli_runner.h"
#include "results/store.h"
#include "support/catch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

using astraea::results::Store;
using astraea::results::StoreOptions;
using astraea::results::TrialStatus;
using astraea::testing::run_cli;
using astraea::testing::TempDir;
using astraea::testing::Workspace;
namespace fs = std::filesystem;

namespace {

std::string search_args(const std::string& db, double seconds) {
  return fmt::format(
      "search experiments/search_astraea.yaml search.evaluator=synthetic search.synthetic_seconds={} search.parents=6 "
      "search.children=4 search.generations=6 sampler.steps=10 +study.grace_seconds=30 study.db={}",
      seconds, db);
}

struct Outcome {
  std::string state;
  std::set<std::string> keys;  // evaluated configurations (the evaluation-cache keys)
  int attempts = 0;
  int incomplete = 0;
  std::set<std::string> workers;
};

Outcome outcome_of(const fs::path& db) {
  StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  Store store(db, options);
  const auto study = store.find_study("search_astraea_5b");
  REQUIRE(study);
  Outcome o;
  o.state = store.search_state(study->id, "search").value().value;
  for (const auto& t : store.trials(study->id, false)) {
    o.keys.insert(t.trial_key);
    o.attempts += t.attempts;
    o.incomplete += t.status != TrialStatus::kComplete;
    if (t.worker) o.workers.insert(*t.worker);
  }
  return o;
}

}  // namespace

TEST_CASE("a search killed with SIGKILL at random points and resumed ends exactly where an uninterrupted one ends",
          "[driver][search][resume]") {
  Workspace ws;
  const auto reference = run_cli(search_args("reference.db", 0.01), ws.path());
  INFO(reference.err);
  REQUIRE(reference.status == 0);
  const auto expected = outcome_of(ws.path() / "reference.db");
  CHECK(expected.incomplete == 0);
  CHECK(expected.attempts == static_cast<int>(expected.keys.size()));

  // Kill points in seconds after start, spread over start-up, evaluation and commits.
  const std::vector<double> kill_after{0.35, 0.9, 0.5, 1.2, 0.7, 0.45, 1.0, 0.6, 0.8, 0.4, 1.1, 0.55};
  int kills = 0;
  bool done = false;
  for (std::size_t i = 0; i < kill_after.size() && !done; ++i) {
    const auto r = run_cli(search_args("killed.db", 0.01), ws.path(), fmt::format("timeout -s KILL {}", kill_after[i]));
    done = r.status == 0;
    kills += !done;
  }
  CHECK(kills >= 3);
  if (!done) {
    const auto last = run_cli(search_args("killed.db", 0.01), ws.path());
    INFO(last.err);
    REQUIRE(last.status == 0);
  }
  const auto resumed = outcome_of(ws.path() / "killed.db");
  CHECK(resumed.state == expected.state);
  CHECK(resumed.keys == expected.keys);  // nothing lost, nothing extra
  CHECK(resumed.incomplete == 0);
  // Only evaluations killed in flight ran twice.
  CHECK(resumed.attempts - static_cast<int>(resumed.keys.size()) <= kills);
}

TEST_CASE("four worker processes share a search without duplicating or losing an evaluation", "[driver][search][workers]") {
  Workspace ws;
  const auto single = run_cli(search_args("single.db", 0.02), ws.path());
  REQUIRE(single.status == 0);
  const auto four = run_cli(search_args("four.db", 0.02) + " --workers 4", ws.path());
  INFO(four.err);
  REQUIRE(four.status == 0);
  const auto a = outcome_of(ws.path() / "single.db");
  const auto b = outcome_of(ws.path() / "four.db");
  CHECK(b.state == a.state);  // the arrival order of results cannot change the search
  CHECK(b.keys == a.keys);
  CHECK(b.attempts == static_cast<int>(b.keys.size()));  // every evaluation ran exactly once
  CHECK(b.workers.size() >= 2);
  CHECK(b.incomplete == 0);
}

TEST_CASE("search refuses bad requests with one line", "[driver][search][errors]") {
  Workspace ws;
  const auto no_study = run_cli("search experiments/search_astraea.yaml search.evaluator=synthetic --resume nope", ws.path());
  CHECK(no_study.status == 2);
  CHECK(no_study.err.find("--resume nope: no such study") != std::string::npos);
  const auto dense = run_cli("search experiments/search_astraea.yaml method=dense", ws.path());
  CHECK(dense.status == 2);
  CHECK(dense.err.find("tunes method=astraea") != std::string::npos);
  // Changed settings on an existing study are refused instead of silently mixing two searches.
  REQUIRE(run_cli(search_args("s.db", 0.0), ws.path()).status == 0);
  const auto changed = run_cli(search_args("s.db", 0.0) + " search.parents=7", ws.path());
  CHECK(changed.status == 2);
  CHECK(changed.err.find("parents=6") != std::string::npos);
}

TEST_CASE("export pareto writes the search's table in every format, with the dense baseline and the front", "[driver][search][export]") {
  Workspace ws;
  REQUIRE(run_cli(search_args("s.db", 0.0) + " search=nsga2", ws.path()).status == 0);
  const std::string export_args = "export pareto --db s.db --study search_astraea_5b";
  const auto md = run_cli(export_args, ws.path());
  INFO(md.err);
  REQUIRE(md.status == 0);
  CHECK(md.out.find("| trial | configuration | latency ms | speedup | latent_mse |") != std::string::npos);
  // The synthetic dense baseline runs every token at every step: 1000 ms, the reference.
  CHECK(md.out.find("| dense | 1000.0 ± 0.0 | 1.00x | 0 |") != std::string::npos);
  CHECK(md.out.find("| yes |") != std::string::npos);
  CHECK(md.out.find("hypervolume") != std::string::npos);

  const auto json = run_cli(export_args + " --format json", ws.path());
  REQUIRE(json.status == 0);
  const auto table = nlohmann::json::parse(json.out);
  // Reference: the front recomputed here by brute force over the exported rows.
  const auto& rows = table.at("rows");
  for (const auto& a : rows) {
    if (a.at("dense").get<bool>()) continue;
    bool dominated = false;
    for (const auto& b : rows) {
      const double la = a.at("latency_ms"), lb = b.at("latency_ms");
      const double qa = a.at("quality"), qb = b.at("quality").is_null() ? 0.0 : b.at("quality").get<double>();
      dominated = dominated || (lb <= la && qb <= qa && (lb < la || qb < qa));
    }
    CHECK(a.at("on_front").get<bool>() == !dominated);
    // Speedup is the dense latency over the row's.
    CHECK(a.at("speedup").get<double>() == Approx(1000.0 / a.at("latency_ms").get<double>()));
  }

  const auto csv = run_cli(export_args + " --format csv --out table.csv", ws.path());
  REQUIRE(csv.status == 0);
  CHECK(astraea::testing::read_file(ws.path() / "table.csv").rfind("trial,configuration,latency_ms,", 0) == 0);
  const auto latex = run_cli(export_args + " --format latex", ws.path());
  REQUIRE(latex.status == 0);
  CHECK(latex.out.find("\\toprule") != std::string::npos);
  CHECK(latex.out.find("$\\pm$") != std::string::npos);

  const auto missing = run_cli("export pareto --db s.db --study nope", ws.path());
  CHECK(missing.status == 2);
  CHECK(missing.err.find("no study named 'nope'") != std::string::npos);
}

TEST_CASE("method.budget_from runs a search's best schedule, written into the trial's config", "[driver][search][budget]") {
  Workspace ws;
  REQUIRE(run_cli(search_args("s.db", 0.0), ws.path()).status == 0);
  const auto r = run_cli("run experiments/search_astraea.yaml search.evaluator=synthetic sampler.steps=10 study.db=s.db "
                         "study.name=from_search method.budget_from=search_astraea_5b",
                         ws.path());
  INFO(r.err);
  REQUIRE(r.status == 0);
  StoreOptions options;
  options.read_only = true;
  Store store(ws.path() / "s.db", options);
  // Reference: the best survivor in the stored search state, read here directly.
  const auto search = store.find_study("search_astraea_5b");
  const auto state = nlohmann::json::parse(store.search_state(search->id, "search")->value);
  const auto& best = state.at("population").front();
  const auto run = store.find_study("from_search");
  REQUIRE(run);
  const auto trial = store.trials(run->id).front();
  double mse = -1;
  for (const auto& m : trial.metrics) {
    if (m.name == "latent_mse") mse = m.value;
  }
  CHECK(mse == best.at("objectives").front().get<double>());
  CHECK(trial.config_yaml.find("budget_from: search_astraea_5b") != std::string::npos);
  const auto nope = run_cli("run experiments/search_astraea.yaml search.evaluator=synthetic study.db=s.db method.budget_from=nope", ws.path());
  CHECK(nope.status == 2);
  CHECK(nope.err.find("method.budget_from: no study named 'nope'") != std::string::npos);
}

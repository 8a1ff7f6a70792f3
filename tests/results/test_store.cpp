#include "results/store.h"

#include "scratch.h"
#include "support/catch.h"

#include <cmath>
#include <limits>
#include <string>

using astraea::ErrorKind;
using astraea::results::Artifact;
using astraea::results::Metric;
using astraea::results::NewTrial;
using astraea::results::Store;
using astraea::results::TrialStatus;
using astraea::results::trial_status_from_string;
using astraea::results::testing::catch_error;
using astraea::results::testing::ScratchDir;

namespace {

NewTrial keyed(std::string key) { return NewTrial{.trial_key = std::move(key)}; }

}  // namespace

TEST_CASE("store: trial status names round-trip", "[results][store]") {
  for (const auto status : {TrialStatus::kWaiting, TrialStatus::kRunning, TrialStatus::kComplete, TrialStatus::kFailed}) {
    CHECK(trial_status_from_string(to_string(status)) == status);
  }
  CHECK(to_string(TrialStatus::kComplete) == "COMPLETE");
  const auto error = catch_error([] { trial_status_from_string("DONE"); });
  REQUIRE(error);
  CHECK(error->kind == ErrorKind::kStorage);
}

TEST_CASE("store: studies are created or loaded by name", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "studies.db");
  const auto created = store.create_study({"grid", "sweep", R"({"lr":[1,2]})", "learning rates"});
  const auto loaded = store.create_study({"grid", "sweep"});
  CHECK(loaded.id == created.id);
  CHECK(loaded.config_json == R"({"lr":[1,2]})");
  CHECK(catch_error([&] { store.create_study({"grid", "sweep"}, false); })->mentions("already exists"));
  CHECK(catch_error([&] { store.create_study({"grid", "search"}); })->mentions("exists as a sweep"));
  CHECK_FALSE(store.find_study("other").has_value());
  CHECK(catch_error([&] { store.study(created.id + 1); })->mentions("no study with id"));
}

TEST_CASE("store: enqueue is idempotent by key and numbers trials", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "enqueue.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  const auto first = store.enqueue(study, NewTrial{.number = 5, .trial_key = "a", .params_json = R"({"lr":1})", .seed = 3});
  const auto again = store.enqueue(study, NewTrial{.number = 9, .trial_key = "a", .params_json = "{}"});
  CHECK(again == first);
  const auto more = store.enqueue(study, std::vector<NewTrial>{keyed("b"), keyed("c"), keyed("a")});
  CHECK(more[2] == first);
  const auto trials = store.trials(study);
  REQUIRE(trials.size() == 3);
  CHECK(trials[0].number == 5);
  CHECK(trials[0].params_json == R"({"lr":1})");
  CHECK(trials[0].seed == 3);
  CHECK(trials[1].number == 6);
  CHECK(trials[2].number == 7);
  CHECK(store.find_trial(study, "c")->id == more[1]);
  const auto clash = catch_error([&] { store.enqueue(study, NewTrial{.number = 6, .trial_key = "d"}); });
  REQUIRE(clash);
  CHECK(clash->mentions("trial number 6 is already taken by 'b'"));
  CHECK(store.trials(study).size() == 3);
  const auto malformed = catch_error([&] { store.enqueue(study, NewTrial{.trial_key = "e", .params_json = "{lr: 1"}); });
  REQUIRE(malformed);
  CHECK(malformed->mentions("params_json of trial 'e' is not valid JSON"));
  CHECK_FALSE(store.find_trial(study, "e").has_value());
}

TEST_CASE("store: claims go lowest number first and record the worker", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "claims.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  store.enqueue(study, NewTrial{.number = 2, .trial_key = "late"});
  store.enqueue(study, NewTrial{.number = 1, .trial_key = "early"});
  const auto first = store.claim(study, "gpu0");
  REQUIRE(first);
  CHECK(first->trial.trial_key == "early");
  CHECK(first->trial.status == TrialStatus::kRunning);
  CHECK(first->trial.worker == "gpu0");
  CHECK(first->trial.attempts == 1);
  CHECK(first->trial.started_at.has_value());
  CHECK(first->trial.heartbeat_at.has_value());
  CHECK(store.claim(study, "gpu1")->trial.trial_key == "late");
  CHECK_FALSE(store.claim(study, "gpu2").has_value());
  store.heartbeat(first->trial.id, "gpu0");
  CHECK(catch_error([&] { store.heartbeat(first->trial.id, "gpu1"); })->mentions("held by worker 'gpu0'"));
}

TEST_CASE("store: metrics upsert; completion writes everything at once", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "metrics.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  store.enqueue(study, keyed("a"));
  const auto trial = store.claim(study, "gpu0")->trial.id;

  store.record_metrics(trial, "gpu0", {{"loss", 1, 0.9}, {"loss", 2, 0.8}});
  store.record_metrics(trial, "gpu0", {{"loss", 2, 0.7}});
  auto metrics = store.metrics(trial);
  REQUIRE(metrics.size() == 2);
  CHECK(metrics[1].value == 0.7);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  store.complete(trial, "gpu0", {{"loss", 3, 0.5}, {"fvd", 0, nan}},
                 {Artifact{"video", "sample", "out/a.mp4", "deadbeef", 1234}});
  const auto row = store.trial(trial);
  CHECK(row.status == TrialStatus::kComplete);
  CHECK(row.finished_at.has_value());
  REQUIRE(row.metrics.size() == 4);
  CHECK(row.metrics[0].name == "fvd");
  CHECK(std::isnan(row.metrics[0].value));
  const auto artifacts = store.artifacts(trial);
  REQUIRE(artifacts.size() == 1);
  CHECK(artifacts[0].bytes == 1234);
  CHECK(artifacts[0].sha256 == "deadbeef");
}

TEST_CASE("store: a failed completion rolls back every part of it", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "rollback.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  store.enqueue(study, keyed("a"));
  const auto trial = store.claim(study, "gpu0")->trial.id;
  const auto error = catch_error([&] {
    store.complete(trial, "gpu0", {{"loss", 0, 1.0}, {"", 0, 2.0}}, {Artifact{"video", "v", "v.mp4", "", 1}});
  });
  REQUIRE(error);
  CHECK(error->mentions("metric #1 has an empty name"));
  const auto row = store.trial(trial);
  CHECK(row.status == TrialStatus::kRunning);
  CHECK_FALSE(row.finished_at.has_value());
  CHECK(row.metrics.empty());
  CHECK(store.artifacts(trial).empty());
}

TEST_CASE("store: finished trials are immutable", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "immutable.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  store.enqueue(study, std::vector<NewTrial>{keyed("done"), keyed("broken")});
  const auto done = store.claim(study, "gpu0")->trial.id;
  const auto broken = store.claim(study, "gpu0")->trial.id;
  store.complete(done, "gpu0", {{"loss", 0, 0.1}});
  store.fail(broken, "gpu0", "CUDA out of memory");
  CHECK(store.trial(broken).error == "CUDA out of memory");

  for (const auto id : {done, broken}) {
    const auto attempts = {
        catch_error([&] { store.complete(id, "gpu0", {{"loss", 0, 9.0}}); }),
        catch_error([&] { store.fail(id, "gpu0", "again"); }),
        catch_error([&] { store.record_metrics(id, "gpu0", {{"loss", 0, 9.0}}); }),
        catch_error([&] { store.record_artifacts(id, "gpu0", {Artifact{"log", "log", "x.log", "", {}}}); }),
        catch_error([&] { store.heartbeat(id, "gpu0"); }),
    };
    for (const auto& error : attempts) {
      REQUIRE(error);
      CHECK(error->kind == ErrorKind::kStorage);
      CHECK(error->mentions("finished trials are immutable"));
    }
  }
  CHECK(store.metrics(done)[0].value == 0.1);
  CHECK(store.trial(done).status == TrialStatus::kComplete);
}

TEST_CASE("store: a re-run sweep retries failed trials up to a limit", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "retry.db");
  const auto study = store.create_study({"grid", "sweep"}).id;
  store.enqueue(study, keyed("flaky"));
  const auto trial = store.claim(study, "gpu0")->trial.id;
  store.fail(trial, "gpu0", "NaN loss");
  constexpr int kRetryLimit = 2;
  CHECK(store.requeue_failed(study, kRetryLimit) == 1);
  CHECK(store.trial(trial).status == TrialStatus::kWaiting);
  const auto retry = store.claim(study, "gpu1");
  REQUIRE(retry);
  CHECK(retry->trial.attempts == 2);
  store.fail(trial, "gpu1", "NaN loss again");
  CHECK(store.requeue_failed(study, kRetryLimit) == 0);
  CHECK(store.trial(trial).status == TrialStatus::kFailed);
}

TEST_CASE("store: listing studies counts trials per status", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "list.db");
  const auto sweep = store.create_study({"grid", "sweep"}).id;
  store.create_study({"empty", "search"});
  store.enqueue(sweep, std::vector<NewTrial>{keyed("a"), keyed("b"), keyed("c"), keyed("d")});
  store.complete(store.claim(sweep, "w")->trial.id, "w");
  store.fail(store.claim(sweep, "w")->trial.id, "w", "boom");
  store.claim(sweep, "w");
  const auto studies = store.list_studies();
  REQUIRE(studies.size() == 2);
  CHECK(studies[0].study.name == "grid");
  CHECK(studies[0].waiting == 1);
  CHECK(studies[0].running == 1);
  CHECK(studies[0].complete == 1);
  CHECK(studies[0].failed == 1);
  CHECK(studies[1].study.kind == "search");
  CHECK(studies[1].waiting + studies[1].running + studies[1].complete + studies[1].failed == 0);
}

TEST_CASE("store: environments are deduplicated by content", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "env.db");
  const astraea::results::EnvironmentRecord here{.git_commit = "abc", .git_dirty = true, .torch_version = "2.11",
                                                 .gpu = "H100", .host = "node1"};
  const auto id = store.record_environment(here);
  CHECK(store.record_environment(here) == id);
  auto elsewhere = here;
  elsewhere.host = "node2";
  CHECK(store.record_environment(elsewhere) != id);
  const auto read = store.environment(id);
  REQUIRE(read);
  CHECK(read->git_dirty);
  CHECK(read->gpu == "H100");
  CHECK_FALSE(read->recorded_at.empty());
  CHECK_FALSE(store.environment(id + 100).has_value());
}

TEST_CASE("store: search state is kept per study and key", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "search.db");
  const auto study = store.create_study({"evo", "search"}).id;
  const std::string population("\0\x01genome", 8);
  store.put_search_state(study, "population", population, 1);
  store.put_search_state(study, "population", population + "!", 2);
  store.put_search_state(study, "rng", "seed=3", 2);
  const auto state = store.search_state(study, "population");
  REQUIRE(state);
  CHECK(state->value == population + "!");
  CHECK(state->generation == 2);
  CHECK(store.search_states(study).size() == 2);
  CHECK_FALSE(store.search_state(study, "missing").has_value());
}

TEST_CASE("store: a generation boundary commits state and the next trials together", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "advance.db");
  const auto study = store.create_study({"evo", "search"}).id;
  const auto ids = store.advance_search(study, {{"search", "gen1"}, {"status", "running"}}, 1, {keyed("a"), keyed("b")});
  CHECK(ids.size() == 2);
  CHECK(store.search_state(study, "search")->generation == 1);
  CHECK(store.search_state(study, "status")->value == "running");
  // A known key is not enqueued again: the evaluation cache.
  const auto again = store.advance_search(study, {{"search", "gen2"}}, 2, {keyed("b"), keyed("c")});
  CHECK(again[0] == ids[1]);
  CHECK(store.trials(study, false).size() == 3);
  CHECK(store.search_state(study, "search")->value == "gen2");
  // A failure (unknown study) rolls the state back with the trials.
  CHECK_THROWS(store.advance_search(study + 99, {{"search", "lost"}}, 3, {keyed("d")}));
  CHECK(store.search_state(study, "search")->value == "gen2");
}

TEST_CASE("store: an abandoned trial is requeued at once, then failed when out of attempts", "[results][store]") {
  ScratchDir dir;
  Store store(dir / "abandoned.db");
  const auto study = store.create_study({"evo", "search"}).id;
  NewTrial trial = keyed("only");
  trial.max_attempts = 2;
  const auto id = store.enqueue(study, trial);
  REQUIRE(store.claim(study, "host:1"));
  CHECK_FALSE(store.requeue_abandoned(id, "host:2"));  // not that worker's trial
  CHECK(store.requeue_abandoned(id, "host:1"));
  CHECK(store.trial(id).status == TrialStatus::kWaiting);
  REQUIRE(store.claim(study, "host:3"));
  CHECK(store.requeue_abandoned(id, "host:3"));
  const auto row = store.trial(id);
  CHECK(row.status == TrialStatus::kFailed);
  CHECK(row.error.value_or("").find("gave up after 2 attempts") != std::string::npos);
}

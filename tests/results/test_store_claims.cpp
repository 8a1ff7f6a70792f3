// Claims across OS processes, killed workers, stale-heartbeat requeue and exhausted attempts.
#include "results/store.h"

#include "scratch.h"
#include "support/catch.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using astraea::results::NewTrial;
using astraea::results::Store;
using astraea::results::StoreOptions;
using astraea::results::TrialStatus;
using astraea::results::testing::catch_error;
using astraea::results::testing::ScratchDir;
using astraea::results::testing::spawn;
using astraea::results::testing::wait_for;

namespace {

constexpr int kClaimFailed = 2;

std::int64_t make_study(const std::filesystem::path& path, int trials) {
  Store store(path);
  const auto study = store.create_study({"queue", "sweep"}).id;
  std::vector<NewTrial> queue;
  for (int i = 0; i < trials; ++i) queue.push_back(NewTrial{.number = i, .trial_key = "trial-" + std::to_string(i)});
  store.enqueue(study, queue);
  return study;
}

std::string worker_name() { return "pid-" + std::to_string(::getpid()); }

void sleep_seconds(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

}  // namespace

TEST_CASE("claims: four processes never claim the same trial twice", "[results][claims]") {
  constexpr int kProcesses = 4;
  constexpr int kClaimsEach = 250;
  ScratchDir dir;
  const auto path = dir / "race.db";
  const auto study = make_study(path, kProcesses * kClaimsEach);

  // The children block on this pipe until the parent closes it, so that all four race from the start.
  int start[2];
  REQUIRE(::pipe(start) == 0);
  std::map<pid_t, std::filesystem::path> logs;
  for (int p = 0; p < kProcesses; ++p) {
    const auto log = dir / ("claims-" + std::to_string(p) + ".txt");
    const pid_t pid = spawn([&] {
      ::close(start[1]);
      Store store(path);
      char unused = 0;
      if (::read(start[0], &unused, 1) != 0) return kClaimFailed;
      std::ofstream out(log);
      for (int i = 0; i < kClaimsEach; ++i) {
        const auto claim = store.claim(study, worker_name());
        if (!claim) return kClaimFailed;
        out << claim->trial.id << '\n';
        store.complete(claim->trial.id, worker_name(), {{"pid", 0, static_cast<double>(::getpid())}});
      }
      return 0;
    });
    logs[pid] = log;
  }
  ::close(start[0]);
  ::close(start[1]);
  for (const auto& [pid, log] : logs) CHECK(wait_for(pid) == 0);

  std::map<std::int64_t, pid_t> claimed_by;
  std::size_t claims = 0;
  for (const auto& [pid, log] : logs) {
    std::ifstream in(log);
    for (std::int64_t id = 0; in >> id; ++claims) claimed_by.emplace(id, pid);
  }
  CHECK(claims == kProcesses * kClaimsEach);
  CHECK(claimed_by.size() == kProcesses * kClaimsEach);

  Store store(path);
  const auto trials = store.trials(study);
  REQUIRE(trials.size() == kProcesses * kClaimsEach);
  std::size_t consistent = 0;
  for (const auto& trial : trials) {
    const auto owner = claimed_by.find(trial.id);
    const bool ok = trial.status == TrialStatus::kComplete && trial.attempts == 1 && owner != claimed_by.end() &&
                    trial.worker == "pid-" + std::to_string(owner->second) && trial.metrics.size() == 1 &&
                    trial.metrics[0].value == static_cast<double>(owner->second);
    if (ok) ++consistent;
  }
  CHECK(consistent == trials.size());
}

TEST_CASE("claims: trials of a SIGKILLed worker are requeued and finished by survivors", "[results][claims]") {
  constexpr int kTrials = 12;
  constexpr int kHeldByVictim = 3;
  constexpr int kSurvivors = 2;
  constexpr double kGraceSeconds = 1.0;
  constexpr double kPollSeconds = 0.05;
  constexpr double kSurvivorDeadlineSeconds = 15.0;
  ScratchDir dir;
  const auto path = dir / "killed.db";
  const auto study = make_study(path, kTrials);
  const StoreOptions options{.grace_seconds = kGraceSeconds};

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t victim = spawn([&] {
    ::close(ready[0]);
    Store store(path, options);
    for (int i = 0; i < kHeldByVictim; ++i) {
      if (!store.claim(study, "victim")) return kClaimFailed;
    }
    const char done = 'x';
    if (::write(ready[1], &done, 1) != 1) return kClaimFailed;
    for (;;) ::pause();
  });
  ::close(ready[1]);
  char signal_byte = 0;
  REQUIRE(::read(ready[0], &signal_byte, 1) == 1);
  ::close(ready[0]);
  ::kill(victim, SIGKILL);
  CHECK(wait_for(victim) == astraea::results::testing::kSignalBase + SIGKILL);

  std::vector<pid_t> survivors;
  for (int s = 0; s < kSurvivors; ++s) {
    survivors.push_back(spawn([&] {
      Store store(path, options);
      const auto start = std::chrono::steady_clock::now();
      while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < kSurvivorDeadlineSeconds) {
        if (const auto claim = store.claim(study, worker_name())) {
          store.complete(claim->trial.id, worker_name());
          continue;
        }
        const auto counts = store.list_studies().front();
        if (counts.waiting + counts.running == 0) return 0;
        sleep_seconds(kPollSeconds);
      }
      return kClaimFailed;
    }));
  }
  for (const pid_t pid : survivors) CHECK(wait_for(pid) == 0);

  Store store(path, options);
  int requeued = 0;
  for (const auto& trial : store.trials(study)) {
    CHECK(trial.status == TrialStatus::kComplete);
    CHECK(trial.worker != "victim");
    if (trial.number < kHeldByVictim) {
      CHECK(trial.attempts == 2);
      ++requeued;
    } else {
      CHECK(trial.attempts == 1);
    }
  }
  CHECK(requeued == kHeldByVictim);
}

TEST_CASE("claims: stale heartbeats requeue until attempts run out", "[results][claims]") {
  constexpr double kGraceSeconds = 0.2;
  constexpr double kPastGrace = 0.3;
  ScratchDir dir;
  const auto path = dir / "stale.db";
  const auto study = make_study(path, 1);
  Store store(path, {.grace_seconds = kGraceSeconds, .max_attempts = 2});
  const auto trial = store.claim(study, "w1")->trial.id;

  sleep_seconds(kPastGrace);
  const auto second = store.claim(study, "w2");
  REQUIRE(second);
  CHECK(second->trial.id == trial);
  CHECK(second->trial.attempts == 2);

  const auto late = catch_error([&] { store.complete(trial, "w1", {{"loss", 0, 1.0}}); });
  REQUIRE(late);
  CHECK(late->mentions("now held by worker 'w2'"));
  CHECK(store.metrics(trial).empty());

  sleep_seconds(kPastGrace);
  const auto counts = store.requeue_stale(study, kGraceSeconds);
  CHECK(counts.failed == 1);
  CHECK(counts.requeued == 0);
  const auto row = store.trial(trial);
  CHECK(row.status == TrialStatus::kFailed);
  CHECK(row.error == "worker w2 stopped heartbeating; gave up after 2 attempts");
  CHECK(row.finished_at.has_value());
  CHECK(catch_error([&] { store.complete(trial, "w2"); })->mentions("already FAILED"));
}

TEST_CASE("claims: heartbeats keep a trial; a per-trial limit overrides the store's", "[results][claims]") {
  constexpr double kGraceSeconds = 0.5;
  constexpr double kBeatSeconds = 0.1;
  constexpr int kBeats = 8;
  ScratchDir dir;
  const auto path = dir / "beats.db";
  Store store(path, {.grace_seconds = kGraceSeconds});
  const auto study = store.create_study({"queue", "sweep"}).id;
  store.enqueue(study, NewTrial{.trial_key = "kept"});
  store.enqueue(study, NewTrial{.trial_key = "once", .max_attempts = 1});

  const auto kept = store.claim(study, "steady")->trial.id;
  const auto once = store.claim(study, "flaky")->trial.id;
  for (int i = 0; i < kBeats; ++i) {
    sleep_seconds(kBeatSeconds);
    store.heartbeat(kept, "steady");
  }
  const auto counts = store.requeue_stale(study, kGraceSeconds);
  CHECK(counts.failed == 1);
  CHECK(counts.requeued == 0);
  CHECK(store.trial(kept).status == TrialStatus::kRunning);
  CHECK(store.trial(once).error == "worker flaky stopped heartbeating; gave up after 1 attempt");
  const auto lost = catch_error([&] { store.heartbeat(once, "flaky"); });
  REQUIRE(lost);
  CHECK(lost->mentions("already FAILED"));
}

TEST_CASE("claim_trial takes one particular waiting trial", "[results][claims]") {
  ScratchDir dir;
  const auto path = dir / "targeted.db";
  const auto study = make_study(path, 3);
  Store store(path);
  const auto second = store.find_trial(study, "trial-1");
  REQUIRE(second);
  const auto claim = store.claim_trial(second->id, "runner");
  REQUIRE(claim);
  CHECK(claim->trial.id == second->id);
  CHECK(claim->trial.status == TrialStatus::kRunning);
  CHECK(claim->trial.attempts == 1);
  CHECK_FALSE(store.claim_trial(second->id, "other"));  // already RUNNING
  const auto next = store.claim(study, "worker");         // the queue still starts at number 0
  REQUIRE(next);
  CHECK(next->trial.trial_key == "trial-0");
}

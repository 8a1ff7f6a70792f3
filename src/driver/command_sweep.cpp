#include "config/yaml_tree.h"
#include "core/error.h"
#include "core/progress.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/output_tree.h"
#include "driver/table.h"
#include "driver/trial_execution.h"
#include "driver/trial_runner.h"
#include "results/store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <thread>

namespace astraea::driver {
namespace {

// All jobs of one sweep must land in one study of one database.
void check_single_study(const std::vector<Job>& jobs) {
  const auto& first = jobs.front().options.study;
  for (const auto& job : jobs) {
    if (job.options.study.name != first.name || job.options.study.db != first.db) {
      fail(ErrorKind::kConfig, "job {} ({}) targets study '{}' in '{}', but job 0 targets '{}' in '{}': a sweep fills one study",
           job.number, fmt::join(job.overrides, " "), job.options.study.name, job.options.study.db, first.name, first.db);
    }
  }
}

std::string latency_of(const results::TrialRow& trial) {
  for (const auto& m : trial.metrics) {
    if (m.name == "latency_ms") return fmt::format("{:.1f}", m.value);
  }
  return "";
}

std::string overrides_of(const results::TrialRow& trial) {
  const auto parsed = nlohmann::json::parse(trial.overrides_json, nullptr, false);
  return parsed.is_array() ? fmt::format("{}", fmt::join(parsed.get<std::vector<std::string>>(), " ")) : "";
}

}  // namespace

int run_waiting_trials(results::Store& store, std::int64_t study_id, const std::filesystem::path& root,
                       const std::map<std::string, int>& job_of_key) {
  const auto environment = store.record_environment(capture_environment());
  const auto worker = worker_name();
  std::size_t waiting = 0;
  for (const auto& t : store.trials(study_id, false)) waiting += t.status == results::TrialStatus::kWaiting;
  ProgressBar progress("trials", waiting);
  int failed = 0;
  while (const auto claim = store.claim(study_id, worker, environment)) {
    const auto it = job_of_key.find(claim->trial.trial_key);
    const auto dir = root / (it != job_of_key.end() ? std::to_string(it->second) : fmt::format("trial-{}", claim->trial.id));
    ExecutedTrial executed;
    try {
      executed = execute_trial(store, *claim, trial_options(claim->trial), dir);
    } catch (const Error& e) {  // the stored config no longer decodes
      store.fail(claim->trial.id, worker, e.what());
      executed = {false, e.what()};
    }
    failed += !executed.completed;
    progress.set_postfix(fmt::format("{} failed", failed));
    progress.advance();
  }
  progress.finish();
  return failed;
}

int sweep_command(const SweepCommand& command) {
  const JobRequest request{command.config_file, command.overrides, command.multirun};
  if (command.print_config) {
    fmt::print("{}", config::to_yaml_text(compose_first(request).root));
    return 0;
  }
  const auto jobs = prepare_jobs(request);
  check_single_study(jobs);
  for (const auto& job : jobs) with_context(fmt::format("job {}", job.number), [&] { check_runnable(job.options); });
  const auto& study_options = jobs.front().options.study;

  results::Store store(study_options.db);
  const auto study = store.create_study({study_options.name, "sweep", "{}", fmt::format("sweep of {}", command.config_file)});
  const int retried = store.requeue_failed(study.id, study_options.max_attempts);

  const auto root = make_output_dir(".", /*multirun=*/true);
  write_sweep_file(root, command.config_file, command.overrides);
  std::vector<results::NewTrial> trials;
  std::map<std::string, int> job_of_key;
  for (const auto& job : jobs) {
    write_job_files(root / std::to_string(job.number), job.config_yaml, job.overrides);
    results::NewTrial trial;
    trial.trial_key = job.trial_key;
    trial.params_json = nlohmann::json(job.overrides).dump();
    trial.config_yaml = job.config_yaml;
    trial.overrides_json = nlohmann::json(job.overrides).dump();
    trial.seed = job.options.seed;
    trial.max_attempts = study_options.max_attempts;
    trials.push_back(std::move(trial));
    job_of_key[job.trial_key] = job.number;
  }
  store.enqueue(study.id, trials);
  if (retried) fmt::print("sweep: requeued {} failed trial(s) with attempts left\n", retried);

  const int failed = run_waiting_trials(store, study.id, root, job_of_key);

  Table table({"job", "trial", "status", "latency ms", "overrides", "error"}, {true, true, false, true, false, false});
  int complete = 0;
  for (const auto& job : jobs) {
    const auto row = store.find_trial(study.id, job.trial_key);
    if (!row) continue;
    const auto full = store.trial(row->id);
    complete += full.status == results::TrialStatus::kComplete;
    table.add_row({std::to_string(job.number), std::to_string(full.id), std::string(results::to_string(full.status)), latency_of(full),
                   overrides_of(full), full.error.value_or("")});
  }
  fmt::print("{}", table.render());
  fmt::print("sweep: {} of {} jobs complete in study '{}' ({}); {} failed this run; outputs in {}\n", complete, jobs.size(), study.name,
             study_options.db, failed, root.string());
  return complete == static_cast<int>(jobs.size()) ? 0 : 1;
}

int worker_command(const WorkerCommand& command) {
  results::StoreOptions options;
  options.create_if_missing = false;
  results::Store store(command.db, options);
  const auto study = store.find_study(command.study);
  if (!study) fail(ErrorKind::kConfig, "{}: no study named '{}'", command.db, command.study);
  const auto root = make_output_dir(".", /*multirun=*/true);
  int failed = run_waiting_trials(store, study->id, root, {});
  // A search's workers wait for the next generation's trials until the search says it has finished.
  constexpr auto kFollowPoll = std::chrono::milliseconds(50);
  while (command.follow) {
    const auto status = store.search_state(study->id, "status");
    if (status && status->value == "finished") break;
    std::this_thread::sleep_for(kFollowPoll);
    failed += run_waiting_trials(store, study->id, root, {});
  }
  fmt::print("worker: no waiting trials left in study '{}'; {} failed in this process; outputs in {}\n", study->name, failed, root.string());
  return failed == 0 ? 0 : 1;
}

}  // namespace astraea::driver

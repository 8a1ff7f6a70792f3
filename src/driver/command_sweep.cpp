#include "config/yaml_tree.h"
#include "core/error.h"
#include "driver/commands.h"
#include "driver/jobs.h"
#include "driver/output_tree.h"
#include "results/store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

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

}  // namespace

int sweep_command(const SweepCommand& command) {
  const JobRequest request{command.config_file, command.overrides, command.multirun};
  if (command.print_config) {
    fmt::print("{}", config::to_yaml_text(compose_first(request).root));
    return 0;
  }
  const auto jobs = prepare_jobs(request);
  check_single_study(jobs);
  const auto& study_options = jobs.front().options.study;

  results::Store store(study_options.db);
  const auto study = store.create_study({study_options.name, "sweep", "{}", fmt::format("sweep of {}", command.config_file)});
  const int retried = store.requeue_failed(study.id, study_options.max_attempts);

  const auto root = make_output_dir(".", /*multirun=*/true);
  write_sweep_file(root, command.config_file, command.overrides);
  std::vector<results::NewTrial> trials;
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
  }
  store.enqueue(study.id, trials);

  int complete = 0, waiting = 0, failed = 0;
  for (const auto& job : jobs) {
    const auto row = store.find_trial(study.id, job.trial_key);
    if (!row) continue;
    complete += row->status == results::TrialStatus::kComplete;
    waiting += row->status == results::TrialStatus::kWaiting;
    failed += row->status == results::TrialStatus::kFailed;
  }
  fmt::print("sweep: {} jobs in study '{}' ({}): {} complete, {} waiting, {} failed{}; job configs in {}\n", jobs.size(), study.name,
             study_options.db, complete, waiting, failed, retried ? fmt::format(" ({} failed trials requeued)", retried) : "",
             root.string());
  if (waiting == 0) return failed == 0 ? 0 : 1;
  not_built("sweep", fmt::format("running the {} waiting trials needs the CogVideoX model and the trial runner", waiting));
}

}  // namespace astraea::driver

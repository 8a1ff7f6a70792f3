#include "config/yaml_tree.h"
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/jobs.h"
#include "driver/output_tree.h"
#include "driver/trial_execution.h"
#include "driver/trial_runner.h"
#include "results/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace astraea::driver {
namespace {

// The job of `astraea run --from-trial ID`: the stored config and overrides of that trial.
Job job_from_trial(const std::string& db, std::int64_t trial_id) {
  results::StoreOptions read_only;
  read_only.read_only = true;
  read_only.create_if_missing = false;
  const results::Store store(db, read_only);
  const auto trial = store.trial(trial_id, false);
  Job job;
  job.config_yaml = trial.config_yaml;
  job.composed = config::from_resolved_yaml(trial.config_yaml, fmt::format("trial {} config", trial_id));
  job.options = config::decode_experiment(job.composed);
  job.overrides = nlohmann::json::parse(trial.overrides_json).get<std::vector<std::string>>();
  job.trial_key = trial.trial_key;
  return job;
}

}  // namespace

int run_command(const RunCommand& command) {
  if (command.from_trial && !command.overrides.empty()) fail(ErrorKind::kConfig, "--from-trial re-runs a recorded trial exactly: it takes no overrides");
  Job job;
  if (command.from_trial) {
    job = job_from_trial(command.db, *command.from_trial);
  } else {
    const JobRequest request{command.config_file, command.overrides, /*multirun=*/false};
    if (command.print_config) {
      fmt::print("{}", config::to_yaml_text(compose_first(request).root));
      return 0;
    }
    job = std::move(prepare_jobs(request).front());
  }
  if (command.print_config) {
    fmt::print("{}", job.config_yaml);
    return 0;
  }
  check_runnable(job.options);
  const auto dir = make_output_dir(".", /*multirun=*/false);
  write_job_files(dir, job.config_yaml, job.overrides);

  results::Store store(job.options.study.db);
  const auto study = store.create_study({job.options.study.name, "sweep", "{}", "astraea run"});
  const auto environment = store.record_environment(capture_environment());
  results::NewTrial trial;
  trial.trial_key = fmt::format("{}@run:{}", job.trial_key, dir.string());
  trial.params_json = nlohmann::json(job.overrides).dump();
  trial.config_yaml = job.config_yaml;
  trial.overrides_json = nlohmann::json(job.overrides).dump();
  trial.seed = job.options.seed;
  trial.max_attempts = 1;
  const auto id = store.enqueue(study.id, trial);
  const auto claim = store.claim_trial(id, worker_name(), environment);
  if (!claim) fail(ErrorKind::kStorage, "{}: trial {} was taken by another worker before this run could claim it", job.options.study.db, id);
  const auto executed = execute_trial(store, *claim, job.options, dir);
  if (!executed.completed) fail("trial {} failed (recorded in {}): {}", id, job.options.study.db, executed.summary);
  fmt::print("trial {} of study '{}' complete: {}\n  outputs in {}; details: astraea db show --db {} --trial {}\n", id, study.name,
             executed.summary, dir.string(), job.options.study.db, id);
  return 0;
}

}  // namespace astraea::driver

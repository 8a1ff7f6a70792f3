// Turns "CONFIG overrides..." into validated jobs: parse the overrides, expand sweeps, compose
// and decode every job before anything runs, so a bad job fails the command up front.
#pragma once

#include "config/compose.h"
#include "config/experiment_options.h"

#include <filesystem>
#include <string>
#include <vector>

namespace astraea::driver {

struct Job {
  int number = 0;                        // stable: position in the cartesian product
  std::vector<std::string> overrides;    // this job's overrides, as text
  config::ComposedConfig composed;
  config::ExperimentOptions options;
  std::string config_yaml;               // the resolved config
  std::string trial_key;                 // identifies the job within its study (hash of overrides)
};

struct JobRequest {
  std::filesystem::path config_file;
  std::vector<std::string> overrides;
  bool multirun = false;                 // sweeps are only allowed with -m
};

// Composes (without decoding) the first job only: what `--cfg` prints.
config::ComposedConfig compose_first(const JobRequest& request);

std::vector<Job> prepare_jobs(const JobRequest& request);

// One job, quietly: for requests without sweeps (e.g. a search candidate's config).
Job prepare_job(const JobRequest& request);

}  // namespace astraea::driver

// Executes claimed trials: decodes the trial's stored config, runs it while a heartbeat thread
// keeps the claim alive, and records COMPLETE with metrics and artifacts, or FAILED with the
// reason. Errors inside a trial never escape: the caller moves on to the next one.
#pragma once

#include "config/experiment_options.h"
#include "results/store.h"

#include <filesystem>
#include <string>

namespace astraea::driver {

struct ExecutedTrial {
  bool completed = false;
  std::string summary;  // the runner's summary, or the failure reason
};

// Runs `claim` with `options` (decoded from the trial's config), writing artifacts to `dir`.
ExecutedTrial execute_trial(results::Store& store, const results::Claim& claim, const config::ExperimentOptions& options,
                            const std::filesystem::path& dir);

// The options stored with a trial (its resolved config).
config::ExperimentOptions trial_options(const results::TrialRow& trial);

// "host:pid", the worker name recorded with claims.
std::string worker_name();

}  // namespace astraea::driver

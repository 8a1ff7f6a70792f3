// Multi-process trials (parallel.gpus = N > 1). The process that runs the study is rank 0: it
// starts ranks 1..N-1 on this host (or, under torchrun, finds them started), hands each trial's
// resolved config to them through the rendezvous store, runs the trial itself with a
// SequenceParallelAccelerator, and waits for their replies. Ranks 1..N-1 run the same generations
// on their heads and token shards and record nothing. A failed or dead rank fails the trial with an error
// that names it (a collective waits at most parallel.timeout_s), and the next trial starts fresh
// ranks.
#pragma once

#include "config/experiment_options.h"
#include "driver/trial_runner.h"
#include "parallel/communicator.h"

#include <exception>
#include <string>

namespace astraea::driver {

// Rank 0's side of one trial.
class ParallelTrial {
 public:
  // Starts or reuses the ranks and hands them `config_yaml` (the trial's resolved config).
  ParallelTrial(const config::ExperimentOptions& options, const std::string& config_yaml);
  parallel::Communicator& communicator();
  // Waits for every other rank's reply; throws naming the first rank that failed.
  void finish();
  // The message for a trial that threw `error`: names any rank that died or failed. Tears the
  // ranks down, so the next trial starts fresh ones.
  std::string explain(const std::exception& error);

 private:
  int job_ = 0;
};

// run_trial on options.parallel.gpus ranks (a plain run_trial for one): starts or reuses the
// ranks, hands them `config_yaml`, and waits for them; errors name a rank that died or failed.
TrialResult run_trial_on_ranks(const config::ExperimentOptions& options, const std::string& config_yaml,
                               const std::filesystem::path& output_dir, const ReferenceOutputs* reference);

// serve_parallel_trials and stop_parallel_ranks (commands.h) are the ranks' and the command's ends.

}  // namespace astraea::driver

// Evaluator processes for a study: `astraea search --workers N` starts N copies of
// `astraea worker --follow` (one per GPU through CUDA_VISIBLE_DEVICES when GPUs are visible), and
// trials held by local workers that died are requeued at once instead of after the grace period.
#pragma once

#include "results/store.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace astraea::driver {

class WorkerPool {
 public:
  // Starts `count` workers on `study` of `db`. `gpus` > 0 pins worker i to the `gpus_per_worker`
  // GPUs from i * gpus_per_worker on (modulo `gpus`): N/g workers of g GPUs each for trials with
  // parallel.gpus = g.
  WorkerPool(const std::string& db, const std::string& study, int count, int gpus, int gpus_per_worker = 1);
  ~WorkerPool();  // kills and reaps workers still running
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Waits for every worker to exit; returns how many exited non-zero.
  int join();
  // Workers that exited already, with a non-zero status (checked without blocking).
  int failed_so_far();

 private:
  std::vector<pid_t> pids_;
  int failed_ = 0;
};

// Requeues the study's RUNNING trials whose worker ("host:pid") is a process of this host that no
// longer exists. Returns how many were requeued or failed.
int requeue_dead_local_workers(results::Store& store, std::int64_t study_id);

}  // namespace astraea::driver

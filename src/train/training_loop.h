// The loop both trainers share: AdamW with the warm-up/cosine schedule, gradient clipping, an
// EMA of the weights, a progress bar showing the loss, a CSV loss log, and resumable checkpoints.
//
// Everything a step draws is seeded from (seed, step), so a run stopped after any checkpoint and
// resumed continues exactly as an uninterrupted run would. The output directory holds:
//   checkpoint.safetensors  weights ("model.*") and EMA ("ema.*"), metadata step / ema_updates
//   optimizer.pt            AdamW's state (LibTorch serialisation)
//   loss.csv                steps done, loss (mean since the previous row), learning rate,
//                           the task's extra columns
#pragma once

#include "config/experiment_options.h"
#include "train/ema.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace astraea::train {

// What the loop trains: its named parameters and the loss of one step.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual std::string name() const = 0;  // "vdit", "checker"
  virtual NamedTensors parameters() = 0;
  // Names of the extra log columns loss() fills, in order.
  virtual std::vector<std::string> stat_names() const { return {}; }
  // The loss of step `step` (a scalar with a graph). Random draws come from the default
  // generators, which the loop seeds before each step. `stats` may receive extra columns for the
  // log (e.g. accuracy), averaged like the loss.
  virtual at::Tensor loss(int step, std::map<std::string, double>& stats) = 0;
};

struct TrainingReport {
  int start_step = 0;    // 0, or the step a checkpoint resumed from
  int steps = 0;         // steps done when this invocation ended
  bool finished = false; // steps == options.steps (not stopped early)
  double seconds = 0.0;  // wall time of this invocation
  double final_loss = 0.0;  // mean loss over the last logged interval
  NamedTensors ema;      // the averaged weights
};

// How one invocation runs, beyond the config.
struct RunControl {
  // 0 < stop_at < train.steps: stop (with a checkpoint) once stop_at steps are done, a time-boxed
  // run that a later call resumes exactly, since the schedule still spans train.steps.
  int stop_at = 0;
  // Non-empty: record steps 5..14 of this invocation (after 5 warm-up steps) into this Kineto trace.
  std::filesystem::path profile_trace;
};

// Runs steps [resumed step, options.steps) of `task` under `control`. Throws astraea::Error naming
// the file for an unreadable checkpoint or one that does not match the task's parameters.
TrainingReport run_training(TrainingTask& task, const config::TrainOptions& options, std::uint64_t seed, const RunControl& control = {});

// The checkpoint file in an output directory.
std::filesystem::path checkpoint_path(const std::filesystem::path& out);

}  // namespace astraea::train

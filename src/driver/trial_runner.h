// Runs one trial: builds the model (checkpoint or seeded random weights), the accelerator and the
// sampler from typed options, generates every (prompt, seed) pair, writes the latents as
// artifacts and returns the metrics to record.
#pragma once

#include "config/experiment_options.h"
#include "driver/reference_cache.h"
#include "parallel/communicator.h"
#include "results/store.h"

#include <filesystem>
#include <string>
#include <vector>

namespace astraea::driver {

// This process's place in a multi-process trial.
struct TrialRanks {
  parallel::Communicator* communicator = nullptr;  // null: a single-process trial
  bool follower = false;                           // a rank > 0
};

struct TrialResult {
  std::vector<results::Metric> metrics;
  std::vector<results::Artifact> artifacts;
  std::string summary;  // one line for the terminal
};

// Throws (before any work starts) if the options ask for something this build cannot run:
// kNotBuilt for methods of later parts, kConfig for shapes the model cannot take, a GPU that is
// not there, or a file the options name (weights, VAE, embeddings, feature networks) that is not.
void check_runnable(const config::ExperimentOptions& options);

// With `reference` (the dense outputs of the same prompts and seeds), also records fidelity:
// latent_mse, latent_rel_l2, latent_cosine and, with decoded frames, psnr, ssim, quality_proxy and
// quality_proxy_delta_pct. Decoded frames are also written as PNG frames and a GIF (MP4 with ffmpeg).
//
// With `ranks.communicator` (parallel.gpus > 1, parallel_session.h) the generations run sequence
// parallel across the ranks; a follower rank generates the same (prompt, seed) pairs, writes
// nothing and loads no evaluation networks.
TrialResult run_trial(const config::ExperimentOptions& options, const std::filesystem::path& output_dir,
                      const ReferenceOutputs* reference = nullptr, TrialRanks ranks = {});

// Whether a trial of these options is compared against a dense reference.
bool needs_dense_reference(const config::ExperimentOptions& options);

}  // namespace astraea::driver

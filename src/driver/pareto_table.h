// The Pareto table of a study: one row per completed configuration plus the dense baseline, with
// latency, speedup, fidelity and quality-proxy delta, and each row's non-domination rank, crowding
// distance and front membership over (latency, quality), both turned into minimised objectives.
#pragma once

#include "results/store.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace astraea::driver {

struct ParetoRow {
  std::int64_t trial_id = 0;
  std::string label;
  bool dense = false;               // the dense baseline (method=dense) of the study
  double latency_ms = 0.0;          // median over the trial's generations
  double latency_spread_ms = 0.0;   // half the range over them
  // paired_speedup when the trial timed dense alongside itself (study.paired_dense), else the
  // dense row's latency / latency; NaN without either.
  double speedup = 0.0;
  bool paired = false;
  double quality = 0.0;             // the quality metric as recorded
  std::optional<double> quality_proxy_delta_pct;
  bool on_front = false;
  int rank = 0;
  double crowding = 0.0;
};

struct ParetoTable {
  std::string study;
  std::string quality_metric;
  bool quality_higher_is_better = false;
  std::vector<ParetoRow> rows;  // the dense row first, then by rank and latency
  // Hypervolume of the front in (latency ms, quality loss) against `reference_point`: 1.05 x the
  // dense latency (else the slowest row) and 1.05 x the worst quality loss of any row. Quality
  // loss is the metric itself when lower is better, else its negation. A paired row's latency in
  // the front, the ranks and the hypervolume is the dense row's latency / its paired speedup.
  double hypervolume = 0.0;
  std::array<double, 2> reference_point{};
  // Overrides every sweep row (not dense, not a search trial) shares, left out of their labels;
  // none with fewer than two such rows.
  std::vector<std::string> common_overrides;
  int skipped = 0;  // complete trials without the latency or quality metric
  int paired = 0;   // rows whose speedup is paired
};

// Builds the table; `quality_metric` empty picks the study's search fitness, else the first of
// latent_rel_l2, latent_mse, psnr that the trials recorded. Throws kConfig when nothing is usable.
ParetoTable build_pareto_table(const results::Store& store, std::int64_t study_id, const std::string& quality_metric);

// Whether a larger value of the metric is better (eval's registry, the latent metrics, latency).
bool metric_higher_is_better(const std::string& name);

}  // namespace astraea::driver

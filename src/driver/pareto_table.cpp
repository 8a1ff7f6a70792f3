#include "driver/pareto_table.h"

#include "core/error.h"
#include "core/log.h"
#include "driver/override_labels.h"
#include "driver/trial_execution.h"
#include "eval/registry.h"
#include "search/hypervolume.h"
#include "search/pareto.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace astraea::driver {
namespace {

constexpr double kReferenceMargin = 1.05;
constexpr std::size_t kMaxLabelWidth = 60;

std::optional<double> metric_of(const results::TrialRow& t, const std::string& name) {
  for (const auto& m : t.metrics) {
    if (m.name == name && m.step == 0 && !std::isnan(m.value)) return m.value;
  }
  return std::nullopt;
}

// A search trial's label: its generation, index and mean budget; nullopt for other trials.
std::optional<std::string> search_label(const results::TrialRow& t) {
  const auto params = nlohmann::json::parse(t.params_json, nullptr, false);
  if (!params.is_object() || !params.contains("budget")) return std::nullopt;
  const auto budget = params.at("budget").get<std::vector<double>>();
  double mean = 0;
  for (double b : budget) mean += b / static_cast<double>(budget.size());
  return fmt::format("g{}#{} budget {:.3f}", params.value("generation", 0), params.value("index", 0), mean);
}

// A sweep trial's label: its overrides less those common to every row.
std::string label_of(const results::TrialRow& t, const std::vector<std::string>& common) {
  const std::string text = override_label(trial_overrides(t.overrides_json), common, kMaxLabelWidth);
  if (!text.empty()) return text;
  return common.empty() ? fmt::format("trial {}", t.id) : "(the common overrides only)";
}

std::string pick_quality_metric(const results::StudyRow& study, const std::vector<results::TrialRow>& trials) {
  if (study.kind == "search") {
    const auto config = nlohmann::json::parse(study.config_json, nullptr, false);
    if (config.is_object() && config.contains("config_yaml")) {
      results::TrialRow probe;
      probe.config_yaml = config.at("config_yaml").get<std::string>();
      return trial_options(probe).search.fitness;
    }
  }
  for (const char* name : {"latent_rel_l2", "latent_mse", "psnr"}) {
    for (const auto& t : trials) {
      if (metric_of(t, name)) return name;
    }
  }
  fail(ErrorKind::kConfig, "study '{}' has no trial with a fidelity metric (latent_rel_l2, latent_mse, psnr); pass --quality METRIC",
       study.name);
}

}  // namespace

bool metric_higher_is_better(const std::string& name) {
  if (eval::is_registered(name)) return eval::make_metric(name)->higher_is_better();
  static const std::map<std::string, bool> kKnown{{"latent_mse", false},    {"latent_rel_l2", false},     {"latent_cosine", true},
                                                  {"quality_proxy", true},  {"quality_proxy_abs_delta_pct", false}, {"latency_ms", false},         {"peak_memory_bytes", false}};
  const auto it = kKnown.find(name);
  if (it != kKnown.end()) return it->second;
  log::warn("metric '{}' has no recorded direction; treating lower as better", name);
  return false;
}

ParetoTable build_pareto_table(const results::Store& store, std::int64_t study_id, const std::string& quality_metric) {
  const auto study = store.study(study_id);
  const auto trials = store.trials(study_id, true);
  ParetoTable table;
  table.study = study.name;
  table.quality_metric = quality_metric.empty() ? pick_quality_metric(study, trials) : quality_metric;
  table.quality_higher_is_better = metric_higher_is_better(table.quality_metric);

  // The rows' trials first, so that the overrides every sweep row shares can leave the labels.
  struct Usable {
    const results::TrialRow* trial;
    bool dense;
    double latency_ms;
    std::optional<double> quality;
    std::optional<std::string> search;  // a search trial's label
  };
  std::vector<Usable> usable;
  std::vector<std::vector<std::string>> sweep_overrides;
  for (const auto& t : trials) {
    if (t.status != results::TrialStatus::kComplete) continue;
    const bool dense = trial_options(t).method.name == "dense";
    const auto latency = metric_of(t, "latency_ms");
    const auto quality = metric_of(t, table.quality_metric);
    // The dense baseline is its own reference: perfect fidelity, whatever the metric records.
    if (!latency || (!quality && !dense)) {
      ++table.skipped;
      continue;
    }
    usable.push_back({&t, dense, *latency, quality, dense ? std::nullopt : search_label(t)});
    if (!dense && !usable.back().search) sweep_overrides.push_back(trial_overrides(t.overrides_json));
  }
  table.common_overrides = common_overrides(sweep_overrides);
  for (const auto& u : usable) {
    const results::TrialRow& t = *u.trial;
    ParetoRow row;
    row.trial_id = t.id;
    row.dense = u.dense;
    row.label = u.dense ? "dense" : u.search ? *u.search : label_of(t, table.common_overrides);
    row.latency_ms = u.latency_ms;
    row.latency_spread_ms = metric_of(t, "latency_spread_ms").value_or(0.0);
    row.quality = u.quality.value_or(std::nan(""));
    row.quality_proxy_delta_pct = metric_of(t, "quality_proxy_delta_pct");
    if (const auto paired = metric_of(t, "paired_speedup"); paired && !u.dense) {
      row.speedup = *paired;
      row.paired = true;
      ++table.paired;
    }
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) {
    fail(ErrorKind::kConfig, "study '{}' has no complete trial with latency_ms and {}", study.name, table.quality_metric);
  }

  // The first dense row is the baseline; further dense rows (other seeds) stay ordinary rows.
  const auto dense_it = std::find_if(table.rows.begin(), table.rows.end(), [](const ParetoRow& r) { return r.dense; });
  const double dense_latency = dense_it != table.rows.end() ? dense_it->latency_ms : std::nan("");
  for (auto& r : table.rows) {
    if (!r.paired) r.speedup = dense_latency / r.latency_ms;
  }
  // The latency a row competes with: a paired row's is the dense row's latency over its speedup
  // (its own measured latency when there is no dense row to scale).
  const auto front_latency = [&](const ParetoRow& r) { return r.paired && !std::isnan(dense_latency) ? dense_latency / r.speedup : r.latency_ms; };

  search::Objectives objectives;
  for (const auto& r : table.rows) {
    double loss = table.quality_higher_is_better ? -r.quality : r.quality;
    if (r.dense && std::isnan(loss)) loss = table.quality_higher_is_better ? -INFINITY : 0.0;
    objectives.push_back({front_latency(r), loss});
  }
  const auto fronts = search::fast_non_dominated_sort(objectives);
  for (std::size_t rank = 0; rank < fronts.size(); ++rank) {
    const auto crowding = search::crowding_distance(fronts[rank], objectives);
    for (std::size_t k = 0; k < fronts[rank].size(); ++k) {
      auto& row = table.rows[fronts[rank][k]];
      row.rank = static_cast<int>(rank);
      row.crowding = crowding[k];
      row.on_front = rank == 0;
    }
  }
  double worst_latency = 0, worst_loss = -INFINITY;
  for (const auto& o : objectives) {
    worst_latency = std::max(worst_latency, o[0]);
    if (std::isfinite(o[1])) worst_loss = std::max(worst_loss, o[1]);
  }
  const double latency_ref = kReferenceMargin * (std::isnan(dense_latency) ? worst_latency : dense_latency);
  const double loss_ref = worst_loss >= 0 ? kReferenceMargin * worst_loss : worst_loss / kReferenceMargin;
  table.reference_point = {latency_ref, loss_ref};
  search::Objectives front_points;
  for (std::size_t i : fronts.front()) {
    if (std::isfinite(objectives[i][1])) front_points.push_back(objectives[i]);
  }
  table.hypervolume = front_points.empty() ? 0.0 : search::hypervolume(front_points, table.reference_point);

  std::optional<ParetoRow> baseline;
  if (dense_it != table.rows.end()) {
    baseline = *dense_it;
    table.rows.erase(dense_it);
  }
  std::stable_sort(table.rows.begin(), table.rows.end(), [&](const ParetoRow& a, const ParetoRow& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    return front_latency(a) < front_latency(b);
  });
  if (baseline) table.rows.insert(table.rows.begin(), *baseline);
  return table;
}

}  // namespace astraea::driver

// Reading studies, trials, metrics and artifacts back.
#include "core/error.h"
#include "results/sqlite.h"
#include "results/store.h"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <map>

namespace astraea::results {
namespace {

constexpr std::array<std::pair<TrialStatus, std::string_view>, 4> kStatusNames = {{
    {TrialStatus::kWaiting, "WAITING"},
    {TrialStatus::kRunning, "RUNNING"},
    {TrialStatus::kComplete, "COMPLETE"},
    {TrialStatus::kFailed, "FAILED"},
}};

// The column list every trial query selects, in the order read_trial expects.
constexpr std::string_view kTrialColumns =
    "id, study_id, number, trial_key, status, params_json, config_yaml, overrides_json, seed, worker, heartbeat_at, "
    "attempts, max_attempts, error, created_at, started_at, finished_at, environment_id";

std::optional<int> optional_int(const Statement& row, int column) {
  const auto value = row.optional_int64(column);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

TrialRow read_trial(const Statement& row) {
  TrialRow trial;
  trial.id = row.int64(0);
  trial.study_id = row.int64(1);
  trial.number = row.int64(2);
  trial.trial_key = row.text(3);
  trial.status = trial_status_from_string(row.text(4));
  trial.params_json = row.text(5);
  trial.config_yaml = row.text(6);
  trial.overrides_json = row.text(7);
  trial.seed = row.optional_int64(8);
  trial.worker = row.optional_text(9);
  trial.heartbeat_at = row.optional_text(10);
  trial.attempts = static_cast<int>(row.int64(11));
  trial.max_attempts = optional_int(row, 12);
  trial.error = row.optional_text(13);
  trial.created_at = row.text(14);
  trial.started_at = row.optional_text(15);
  trial.finished_at = row.optional_text(16);
  trial.environment_id = row.optional_int64(17);
  return trial;
}

Metric read_metric(const Statement& row, int first_column) {
  const double value = row.is_null(first_column + 2) ? std::numeric_limits<double>::quiet_NaN() : row.real(first_column + 2);
  return Metric{row.text(first_column), row.int64(first_column + 1), value};
}

StudyRow read_study(const Statement& row) {
  return StudyRow{row.int64(0), row.text(1), row.text(2), row.text(3), row.text(4), row.text(5)};
}

}  // namespace

std::string_view to_string(TrialStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  fail(ErrorKind::kStorage, "unknown trial status {}", static_cast<int>(status));
}

TrialStatus trial_status_from_string(std::string_view text) {
  for (const auto& [value, name] : kStatusNames) {
    if (name == text) return value;
  }
  fail(ErrorKind::kStorage, "unknown trial status '{}' (expected WAITING, RUNNING, COMPLETE or FAILED)", text);
}

std::optional<StudyRow> Store::find_study(std::string_view name) const {
  auto select = db_->prepare("SELECT id, name, kind, config_json, description, created_at FROM studies WHERE name = ?");
  if (!select.bind_all(name).step()) return std::nullopt;
  return read_study(select);
}

StudyRow Store::study(std::int64_t study_id) const {
  auto select = db_->prepare("SELECT id, name, kind, config_json, description, created_at FROM studies WHERE id = ?");
  if (!select.bind_all(study_id).step()) db_->fail(fmt::format("no study with id {}", study_id));
  return read_study(select);
}

std::vector<StudySummary> Store::list_studies() const {
  auto select = db_->prepare(
      "SELECT s.id, s.name, s.kind, s.config_json, s.description, s.created_at, "
      "count(t.id) FILTER (WHERE t.status = 'WAITING'), count(t.id) FILTER (WHERE t.status = 'RUNNING'), "
      "count(t.id) FILTER (WHERE t.status = 'COMPLETE'), count(t.id) FILTER (WHERE t.status = 'FAILED') "
      "FROM studies s LEFT JOIN trials t ON t.study_id = s.id GROUP BY s.id ORDER BY s.id");
  std::vector<StudySummary> studies;
  while (select.step()) {
    studies.push_back({read_study(select), select.int64(6), select.int64(7), select.int64(8), select.int64(9)});
  }
  return studies;
}

std::vector<TrialRow> Store::trials(std::int64_t study_id, bool with_metrics) const {
  Transaction snapshot(*db_, TransactionKind::kDeferred);
  auto select = db_->prepare(fmt::format("SELECT {} FROM trials WHERE study_id = ? ORDER BY number", kTrialColumns));
  select.bind_all(study_id);
  std::vector<TrialRow> rows;
  std::map<std::int64_t, std::size_t> index_of;
  while (select.step()) {
    index_of[select.int64(0)] = rows.size();
    rows.push_back(read_trial(select));
  }
  if (with_metrics) {
    auto metrics = db_->prepare(
        "SELECT m.trial_id, m.name, m.step, m.value FROM metrics m JOIN trials t ON t.id = m.trial_id "
        "WHERE t.study_id = ? ORDER BY m.trial_id, m.name, m.step");
    metrics.bind_all(study_id);
    while (metrics.step()) rows[index_of.at(metrics.int64(0))].metrics.push_back(read_metric(metrics, 1));
  }
  snapshot.commit();
  return rows;
}

TrialRow Store::trial(std::int64_t trial_id, bool with_metrics) const {
  auto select = db_->prepare(fmt::format("SELECT {} FROM trials WHERE id = ?", kTrialColumns));
  if (!select.bind_all(trial_id).step()) db_->fail(fmt::format("no trial with id {}", trial_id));
  auto row = read_trial(select);
  if (with_metrics) row.metrics = metrics(trial_id);
  return row;
}

std::optional<TrialRow> Store::find_trial(std::int64_t study_id, std::string_view trial_key) const {
  auto select = db_->prepare(fmt::format("SELECT {} FROM trials WHERE study_id = ? AND trial_key = ?", kTrialColumns));
  if (!select.bind_all(study_id, trial_key).step()) return std::nullopt;
  auto row = read_trial(select);
  row.metrics = metrics(row.id);
  return row;
}

std::vector<Metric> Store::metrics(std::int64_t trial_id) const {
  auto select = db_->prepare("SELECT name, step, value FROM metrics WHERE trial_id = ? ORDER BY name, step");
  select.bind_all(trial_id);
  std::vector<Metric> rows;
  while (select.step()) rows.push_back(read_metric(select, 0));
  return rows;
}

std::vector<Artifact> Store::artifacts(std::int64_t trial_id) const {
  auto select = db_->prepare("SELECT kind, name, path, sha256, bytes FROM artifacts WHERE trial_id = ? ORDER BY name");
  select.bind_all(trial_id);
  std::vector<Artifact> rows;
  while (select.step()) {
    rows.push_back({select.text(0), select.text(1), select.text(2), select.text(3), select.optional_int64(4)});
  }
  return rows;
}

}  // namespace astraea::results

// The worker side of the queue: claims, heartbeats, stale-trial requeue, metrics, completion.
#include "results/sqlite.h"
#include "results/store.h"

#include <fmt/format.h>

namespace astraea::results {
namespace {

constexpr double kSecondsPerDay = 86'400.0;

}  // namespace

void Store::require_held(std::int64_t trial_id, const std::string& worker, std::string_view action) const {
  auto select = db_->prepare("SELECT status, worker FROM trials WHERE id = ?");
  if (!select.bind_all(trial_id).step()) db_->fail(fmt::format("cannot {} trial {}: no such trial", action, trial_id));
  const auto status = trial_status_from_string(select.text(0));
  const auto holder = select.optional_text(1).value_or("");
  switch (status) {
    case TrialStatus::kComplete:
    case TrialStatus::kFailed:
      db_->fail(fmt::format("cannot {} trial {}: it is already {}, and finished trials are immutable", action, trial_id,
                            to_string(status)));
    case TrialStatus::kWaiting:
      db_->fail(fmt::format("cannot {} trial {} as worker '{}': it is WAITING, not held by any worker "
                            "(requeued after a stale heartbeat, or never claimed)",
                            action, trial_id, worker));
    case TrialStatus::kRunning:
      if (holder != worker) {
        db_->fail(fmt::format("cannot {} trial {} as worker '{}': it is now held by worker '{}' "
                              "(requeued after a stale heartbeat and claimed again)",
                              action, trial_id, worker, holder));
      }
      return;
  }
}

RequeueCounts Store::requeue_stale_in_transaction(std::int64_t study_id, double grace_seconds) {
  RequeueCounts counts;
  const double grace_days = grace_seconds / kSecondsPerDay;
  counts.failed = db_->prepare(
                         "UPDATE trials SET status = 'FAILED', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
                         "error = printf('worker %s stopped heartbeating; gave up after %d attempt%s', worker, attempts, "
                         "CASE WHEN attempts = 1 THEN '' ELSE 's' END) "
                         "WHERE study_id = ?1 AND status = 'RUNNING' AND julianday(heartbeat_at) < julianday('now') - ?2 "
                         "AND attempts >= coalesce(max_attempts, ?3)")
                      .bind_all(study_id, grace_days, options_.max_attempts)
                      .run();
  counts.requeued = db_->prepare(
                           "UPDATE trials SET status = 'WAITING', worker = NULL, heartbeat_at = NULL, started_at = NULL, "
                           "error = printf('worker %s stopped heartbeating during attempt %d; requeued', worker, attempts) "
                           "WHERE study_id = ?1 AND status = 'RUNNING' AND julianday(heartbeat_at) < julianday('now') - ?2")
                        .bind_all(study_id, grace_days)
                        .run();
  return counts;
}

RequeueCounts Store::requeue_stale(std::int64_t study_id, double grace_seconds) {
  require_writable(fmt::format("requeue stale trials of study {}", study_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  const auto counts = requeue_stale_in_transaction(study_id, grace_seconds);
  transaction.commit();
  return counts;
}

bool Store::requeue_abandoned(std::int64_t trial_id, const std::string& worker) {
  require_writable(fmt::format("requeue abandoned trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  const int failed = db_->prepare(
                            "UPDATE trials SET status = 'FAILED', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
                            "error = printf('worker %s is gone; gave up after %d attempt%s', worker, attempts, "
                            "CASE WHEN attempts = 1 THEN '' ELSE 's' END) "
                            "WHERE id = ?1 AND status = 'RUNNING' AND worker = ?2 AND attempts >= coalesce(max_attempts, ?3)")
                         .bind_all(trial_id, worker, options_.max_attempts)
                         .run();
  const int requeued = db_->prepare(
                              "UPDATE trials SET status = 'WAITING', worker = NULL, heartbeat_at = NULL, started_at = NULL, "
                              "error = printf('worker %s is gone after attempt %d; requeued', worker, attempts) "
                              "WHERE id = ?1 AND status = 'RUNNING' AND worker = ?2")
                           .bind_all(trial_id, worker)
                           .run();
  transaction.commit();
  return failed + requeued > 0;
}

namespace {

// Both claims move one WAITING trial to RUNNING; they differ only in how the trial is picked.
constexpr const char* kClaimNextSql =
    "UPDATE trials SET status = 'RUNNING', worker = ?2, attempts = attempts + 1, finished_at = NULL, "
    "started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
    "environment_id = coalesce(?3, environment_id) "
    "WHERE id = (SELECT id FROM trials WHERE study_id = ?1 AND status = 'WAITING' ORDER BY number LIMIT 1) "
    "AND status = 'WAITING' RETURNING id";
constexpr const char* kClaimTrialSql =
    "UPDATE trials SET status = 'RUNNING', worker = ?2, attempts = attempts + 1, finished_at = NULL, "
    "started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
    "environment_id = coalesce(?3, environment_id) "
    "WHERE id = ?1 AND status = 'WAITING' RETURNING id";

}  // namespace

std::optional<Claim> Store::claim(std::int64_t study_id, const std::string& worker,
                                  std::optional<std::int64_t> environment_id) {
  require_writable(fmt::format("claim a trial of study {}", study_id));
  if (worker.empty()) db_->fail(fmt::format("cannot claim a trial of study {}: the worker name is empty", study_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  study(study_id);
  requeue_stale_in_transaction(study_id, options_.grace_seconds);
  auto update = db_->prepare(kClaimNextSql);
  std::optional<std::int64_t> claimed;
  if (update.bind_all(study_id, worker, environment_id).step()) claimed = update.int64(0);
  update.run();
  std::optional<Claim> result;
  if (claimed) result = Claim{trial(*claimed, false), worker};
  transaction.commit();
  return result;
}

std::optional<Claim> Store::claim_trial(std::int64_t trial_id, const std::string& worker,
                                        std::optional<std::int64_t> environment_id) {
  require_writable(fmt::format("claim trial {}", trial_id));
  if (worker.empty()) db_->fail(fmt::format("cannot claim trial {}: the worker name is empty", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  trial(trial_id, false);
  auto update = db_->prepare(kClaimTrialSql);
  const bool claimed = update.bind_all(trial_id, worker, environment_id).step();
  update.run();
  std::optional<Claim> result;
  if (claimed) result = Claim{trial(trial_id, false), worker};
  transaction.commit();
  return result;
}

void Store::heartbeat(std::int64_t trial_id, const std::string& worker) {
  require_writable(fmt::format("heartbeat trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  require_held(trial_id, worker, "heartbeat");
  db_->prepare("UPDATE trials SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND worker = ?")
      .bind_all(trial_id, worker)
      .run();
  transaction.commit();
}

void Store::write_metrics(std::int64_t trial_id, const std::vector<Metric>& metrics) {
  auto upsert = db_->prepare(
      "INSERT INTO metrics (trial_id, name, step, value) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (trial_id, name, step) DO UPDATE SET value = excluded.value");
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& metric = metrics[i];
    if (metric.name.empty()) db_->fail(fmt::format("trial {}: metric #{} has an empty name", trial_id, i));
    upsert.reset();
    upsert.bind_all(trial_id, metric.name, metric.step, metric.value).run();
  }
}

void Store::write_artifacts(std::int64_t trial_id, const std::vector<Artifact>& artifacts) {
  auto upsert = db_->prepare(
      "INSERT INTO artifacts (trial_id, kind, name, path, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (trial_id, name) DO UPDATE SET kind = excluded.kind, path = excluded.path, "
      "sha256 = excluded.sha256, bytes = excluded.bytes, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    const auto& artifact = artifacts[i];
    if (artifact.name.empty()) db_->fail(fmt::format("trial {}: artifact #{} has an empty name", trial_id, i));
    upsert.reset();
    upsert.bind_all(trial_id, artifact.kind, artifact.name, artifact.path, artifact.sha256, artifact.bytes).run();
  }
}

void Store::record_metrics(std::int64_t trial_id, const std::string& worker, const std::vector<Metric>& metrics) {
  require_writable(fmt::format("record metrics of trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  require_held(trial_id, worker, "record metrics of");
  write_metrics(trial_id, metrics);
  transaction.commit();
}

void Store::record_artifacts(std::int64_t trial_id, const std::string& worker, const std::vector<Artifact>& artifacts) {
  require_writable(fmt::format("record artifacts of trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  require_held(trial_id, worker, "record artifacts of");
  write_artifacts(trial_id, artifacts);
  transaction.commit();
}

void Store::complete(std::int64_t trial_id, const std::string& worker, const std::vector<Metric>& metrics,
                     const std::vector<Artifact>& artifacts) {
  require_writable(fmt::format("complete trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  require_held(trial_id, worker, "complete");
  db_->prepare(
         "UPDATE trials SET status = 'COMPLETE', error = NULL, "
         "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
         "WHERE id = ? AND worker = ?")
      .bind_all(trial_id, worker)
      .run();
  write_metrics(trial_id, metrics);
  write_artifacts(trial_id, artifacts);
  transaction.commit();
}

void Store::fail(std::int64_t trial_id, const std::string& worker, const std::string& reason) {
  require_writable(fmt::format("fail trial {}", trial_id));
  Transaction transaction(*db_, TransactionKind::kImmediate);
  require_held(trial_id, worker, "fail");
  db_->prepare(
         "UPDATE trials SET status = 'FAILED', error = ?, "
         "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
         "WHERE id = ? AND worker = ?")
      .bind_all(reason, trial_id, worker)
      .run();
  transaction.commit();
}

}  // namespace astraea::results

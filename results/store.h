// The results store: studies, their trials and the work queue that workers (one process per GPU)
// claim from, plus metrics, artifacts, the environment a trial ran in and resumable search state.
// Several processes may share one file: claims are atomic, heartbeats use the database clock, and
// trials whose worker stopped heartbeating are requeued (or failed once their attempts run out).
// A Store is one connection: use one per thread or process. Every failure throws astraea::Error of
// kind kStorage naming the database file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace astraea::results {

class Database;

enum class TrialStatus { kWaiting, kRunning, kComplete, kFailed };

// "WAITING", "RUNNING", "COMPLETE", "FAILED".
std::string_view to_string(TrialStatus status);
// Inverse of to_string; throws kStorage for anything else.
TrialStatus trial_status_from_string(std::string_view text);

inline constexpr int kDefaultBusyTimeoutMs = 30'000;
inline constexpr double kDefaultGraceSeconds = 120.0;
inline constexpr int kDefaultMaxAttempts = 3;

struct StoreOptions {
  int busy_timeout_ms = kDefaultBusyTimeoutMs;  // how long a write waits for another process's lock
  double grace_seconds = kDefaultGraceSeconds;  // heartbeat age after which a RUNNING trial is stale
  int max_attempts = kDefaultMaxAttempts;       // claims per trial, for trials without their own limit
  bool read_only = false;                       // open with SQLITE_OPEN_READONLY; every write fails
  bool create_if_missing = true;                // create (and initialise) a missing file
};

struct NewStudy {
  std::string name;
  std::string kind;  // "sweep", "search", "run"
  std::string config_json = "{}";
  std::string description;
};

struct StudyRow {
  std::int64_t id = 0;
  std::string name;
  std::string kind;
  std::string config_json;
  std::string description;
  std::string created_at;
};

struct StudySummary {
  StudyRow study;
  std::int64_t waiting = 0;
  std::int64_t running = 0;
  std::int64_t complete = 0;
  std::int64_t failed = 0;
};

struct NewTrial {
  std::optional<std::int64_t> number;  // per-study job number; unset takes the next free one
  std::string trial_key;               // unique within the study: re-running a sweep skips known keys
  std::string params_json = "{}";
  std::string config_yaml;
  std::string overrides_json = "[]";
  std::optional<std::int64_t> seed;
  std::optional<int> max_attempts;  // unset uses StoreOptions::max_attempts
};

struct Metric {
  std::string name;
  std::int64_t step = 0;
  double value = 0.0;  // NaN is stored as NULL and read back as NaN
};

struct Artifact {
  std::string kind;  // e.g. "video", "checkpoint", "log"
  std::string name;  // unique within the trial; recording it again replaces it
  std::string path;
  std::string sha256;
  std::optional<std::int64_t> bytes;
};

struct EnvironmentRecord {
  std::int64_t id = 0;  // set by the store
  std::string git_commit;
  bool git_dirty = false;
  std::string compiler;
  std::string torch_version;
  std::string cuda_version;
  std::string driver;
  std::string gpu;
  std::string host;
  std::string recorded_at;  // set by the store
};

struct TrialRow {
  std::int64_t id = 0;
  std::int64_t study_id = 0;
  std::int64_t number = 0;
  std::string trial_key;
  TrialStatus status = TrialStatus::kWaiting;
  std::string params_json;
  std::string config_yaml;
  std::string overrides_json;
  std::optional<std::int64_t> seed;
  std::optional<std::string> worker;
  std::optional<std::string> heartbeat_at;
  int attempts = 0;
  std::optional<int> max_attempts;
  std::optional<std::string> error;
  std::string created_at;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<std::int64_t> environment_id;
  std::vector<Metric> metrics;  // filled by the readers that say so
};

// What a worker gets from claim(): the trial, now RUNNING under that worker.
struct Claim {
  TrialRow trial;
  std::string worker;
};

struct RequeueCounts {
  int requeued = 0;  // back to WAITING
  int failed = 0;    // attempts exhausted
};

struct SearchState {
  std::string key;
  std::string value;  // stored as a BLOB: any bytes
  std::int64_t generation = 0;
  std::string updated_at;
};

class Store {
 public:
  // Opens (creating if allowed), refuses files that are missing, unreadable, corrupt, not a
  // results database or newer than this build, and migrates older ones; a refused file is left
  // untouched.
  explicit Store(std::filesystem::path path, StoreOptions options = {});
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  const std::filesystem::path& path() const;
  const StoreOptions& options() const { return options_; }
  int schema_version() const { return schema_version_; }

  // Studies. create_study loads an existing study of that name when load_if_exists is set
  // (and fails otherwise).
  StudyRow create_study(const NewStudy& study, bool load_if_exists = true);
  std::optional<StudyRow> find_study(std::string_view name) const;
  StudyRow study(std::int64_t study_id) const;
  std::vector<StudySummary> list_studies() const;

  // Queue. enqueue returns the new trial's id, or the existing one's when the key is known.
  std::int64_t enqueue(std::int64_t study_id, const NewTrial& trial);
  std::vector<std::int64_t> enqueue(std::int64_t study_id, const std::vector<NewTrial>& trials);
  // FAILED trials with fewer than max_attempts attempts go back to WAITING; returns how many.
  int requeue_failed(std::int64_t study_id, int max_attempts);

  // Workers. claim first requeues stale trials, then takes the lowest-numbered WAITING trial.
  std::optional<Claim> claim(std::int64_t study_id, const std::string& worker,
                             std::optional<std::int64_t> environment_id = std::nullopt);
  // Claims one particular WAITING trial (e.g. the one `astraea run` just enqueued); nullopt if it
  // is not WAITING any more.
  std::optional<Claim> claim_trial(std::int64_t trial_id, const std::string& worker,
                                   std::optional<std::int64_t> environment_id = std::nullopt);
  // Throws if the worker no longer holds the trial (it was requeued or finished).
  void heartbeat(std::int64_t trial_id, const std::string& worker);
  RequeueCounts requeue_stale(std::int64_t study_id, double grace_seconds);
  // A trial RUNNING under `worker`, whose process is known to be gone (e.g. a dead local pid),
  // goes back to WAITING at once, or to FAILED when its attempts are used up. False if the
  // trial is not RUNNING under that worker any more.
  bool requeue_abandoned(std::int64_t trial_id, const std::string& worker);
  // Metrics and artifacts of a RUNNING trial held by `worker` (upserts).
  void record_metrics(std::int64_t trial_id, const std::string& worker, const std::vector<Metric>& metrics);
  void record_artifacts(std::int64_t trial_id, const std::string& worker, const std::vector<Artifact>& artifacts);
  // Finish a trial held by `worker`, in one transaction with its metrics and artifacts.
  void complete(std::int64_t trial_id, const std::string& worker, const std::vector<Metric>& metrics = {},
                const std::vector<Artifact>& artifacts = {});
  void fail(std::int64_t trial_id, const std::string& worker, const std::string& reason);

  // Environment, deduplicated by content: the same record always gets the same id.
  std::int64_t record_environment(const EnvironmentRecord& environment);
  std::optional<EnvironmentRecord> environment(std::int64_t environment_id) const;

  // Resumable search state, one value per (study, key).
  void put_search_state(std::int64_t study_id, const std::string& key, std::string_view value, std::int64_t generation);
  std::optional<SearchState> search_state(std::int64_t study_id, const std::string& key) const;
  std::vector<SearchState> search_states(std::int64_t study_id) const;
  // One generation boundary of a search, in one transaction: upserts every (key, value) state at
  // `generation` and enqueues the next generation's trials (known keys return the existing ids).
  std::vector<std::int64_t> advance_search(std::int64_t study_id, const std::vector<std::pair<std::string, std::string>>& states,
                                           std::int64_t generation, const std::vector<NewTrial>& trials);

  // Reading.
  std::vector<TrialRow> trials(std::int64_t study_id, bool with_metrics = true) const;
  TrialRow trial(std::int64_t trial_id, bool with_metrics = true) const;
  std::optional<TrialRow> find_trial(std::int64_t study_id, std::string_view trial_key) const;
  std::vector<Metric> metrics(std::int64_t trial_id) const;
  std::vector<Artifact> artifacts(std::int64_t trial_id) const;

 private:
  // Fails, naming `action`, when the store was opened read-only.
  void require_writable(std::string_view action) const;
  // Fails unless `worker` holds trial `trial_id` (RUNNING under it); `action` names the caller.
  void require_held(std::int64_t trial_id, const std::string& worker, std::string_view action) const;
  void write_metrics(std::int64_t trial_id, const std::vector<Metric>& metrics);
  void write_artifacts(std::int64_t trial_id, const std::vector<Artifact>& artifacts);
  RequeueCounts requeue_stale_in_transaction(std::int64_t study_id, double grace_seconds);
  std::int64_t enqueue_in_transaction(std::int64_t study_id, const NewTrial& trial);

  std::unique_ptr<Database> db_;
  StoreOptions options_;
  int schema_version_ = 0;
};

}  // namespace astraea::results

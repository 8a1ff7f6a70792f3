#include "core/error.h"
#include "driver/commands.h"
#include "driver/override_labels.h"
#include "driver/table.h"
#include "results/store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

namespace astraea::driver {
namespace {

constexpr std::size_t kMaxOverrideWidth = 60;

results::Store open_read_only(const std::string& db) {
  results::StoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  return results::Store(db, options);
}

void list_studies(const results::Store& store) {
  Table table({"study", "kind", "created (UTC)", "waiting", "running", "complete", "failed"}, {false, false, false, true, true, true, true});
  for (const auto& s : store.list_studies()) {
    table.add_row({s.study.name, s.study.kind, s.study.created_at, std::to_string(s.waiting), std::to_string(s.running),
                   std::to_string(s.complete), std::to_string(s.failed)});
  }
  if (table.rows() == 0) {
    fmt::print("no studies in {}\n", store.path().string());
    return;
  }
  fmt::print("{}", table.render());
}

void show_study(const results::Store& store, const std::string& name) {
  const auto study = store.find_study(name);
  if (!study) fail(ErrorKind::kConfig, "{}: no study named '{}'", store.path().string(), name);
  fmt::print("study '{}' ({}), created {} UTC\n", study->name, study->kind, study->created_at);
  const auto trials = store.trials(study->id);
  std::vector<std::vector<std::string>> overrides;
  for (const auto& t : trials) overrides.push_back(trial_overrides(t.overrides_json));
  const auto common = common_overrides(overrides);
  if (!common.empty()) fmt::print("every trial sets: {}\n", fmt::join(common, " "));
  Table table({"trial", "#", "status", "attempts", "worker", "metrics", "overrides", "error"}, {true, true, false, true, false, true, false, false});
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    table.add_row({std::to_string(t.id), std::to_string(t.number), std::string(results::to_string(t.status)), std::to_string(t.attempts),
                   t.worker.value_or(""), std::to_string(t.metrics.size()), override_label(overrides[i], common, kMaxOverrideWidth),
                   t.error.value_or("")});
  }
  fmt::print("{}", table.render());
}

void show_trial(const results::Store& store, std::int64_t id) {
  const auto t = store.trial(id);
  fmt::print("trial {} (study {}, job {}): {}\n", t.id, store.study(t.study_id).name, t.number, results::to_string(t.status));
  fmt::print("  attempts {}  worker {}  seed {}\n", t.attempts, t.worker.value_or("-"), t.seed ? std::to_string(*t.seed) : "-");
  fmt::print("  created {}  started {}  finished {}\n", t.created_at, t.started_at.value_or("-"), t.finished_at.value_or("-"));
  if (t.error) fmt::print("  error: {}\n", *t.error);
  fmt::print("  overrides: {}\n", override_label(trial_overrides(t.overrides_json), {}, 0));
  if (t.environment_id) {
    if (const auto env = store.environment(*t.environment_id)) {
      fmt::print("  environment: commit {}{}  {}  torch {}  cuda {}  gpu {}  host {}\n", env->git_commit, env->git_dirty ? " (dirty)" : "",
                 env->compiler, env->torch_version, env->cuda_version, env->gpu, env->host);
    }
  }
  if (!t.metrics.empty()) {
    Table metrics({"metric", "step", "value"}, {false, true, true});
    for (const auto& m : t.metrics) metrics.add_row({m.name, std::to_string(m.step), fmt::format("{:.6g}", m.value)});
    fmt::print("{}", metrics.render());
  }
  const auto artifacts = store.artifacts(t.id);
  for (const auto& a : artifacts) fmt::print("  artifact {} ({}): {} sha256 {}\n", a.name, a.kind, a.path, a.sha256);
  fmt::print("resolved config:\n{}", t.config_yaml);
}

}  // namespace

int db_command(const DbCommand& command) {
  if (!std::filesystem::exists(command.db)) fail(ErrorKind::kStorage, "results database '{}' does not exist", command.db);
  const auto store = open_read_only(command.db);
  if (command.action == "ls") {
    list_studies(store);
  } else if (command.trial) {
    show_trial(store, *command.trial);
  } else if (command.study) {
    show_study(store, *command.study);
  } else {
    fail(ErrorKind::kConfig, "db show needs --study NAME or --trial ID");
  }
  return 0;
}

}  // namespace astraea::driver

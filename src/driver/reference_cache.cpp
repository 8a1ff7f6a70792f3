#include "driver/reference_cache.h"

#include "config/compose.h"
#include "config/yaml_tree.h"
#include "core/error.h"
#include "core/hash.h"
#include "driver/environment.h"
#include "driver/trial_execution.h"

#include <fmt/format.h>

#include <chrono>
#include <regex>
#include <thread>

namespace astraea::driver {
namespace {

constexpr auto kWaitPoll = std::chrono::milliseconds(200);
constexpr std::size_t kKeyDirLength = 16;

// "latents_p0_s42.safetensors" -> (0, 42)
std::optional<std::pair<std::int64_t, std::int64_t>> generation_of(const std::string& name, const std::string& prefix) {
  static const std::regex pattern(R"(^(\w+)_p(\d+)_s(-?\d+)\.safetensors$)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern) || m[1] != prefix) return std::nullopt;
  return std::make_pair(std::stoll(m[2]), std::stoll(m[3]));
}

ReferenceOutputs outputs_of(const results::Store& store, std::int64_t trial_id) {
  ReferenceOutputs out;
  out.trial_id = trial_id;
  for (const auto& a : store.artifacts(trial_id)) {
    if (const auto g = generation_of(a.name, "latents")) out.latents[*g] = a.path;
    if (const auto g = generation_of(a.name, "frames")) out.frames[*g] = a.path;
  }
  if (out.latents.empty()) fail("dense reference trial {} has no latents artifacts", trial_id);
  return out;
}

}  // namespace

ReferenceOutputs dense_reference(results::Store& store, const std::string& trial_config_yaml, const std::string& worker) {
  auto config = config::from_resolved_yaml(trial_config_yaml, "trial config");
  auto evaluated = YAML::Clone(config.root);
  for (const char* section : {"study", "method", "search"}) config::erase_path(evaluated, section);
  const auto key = sha256_hex(fmt::format("{}\ncode {}", config::to_yaml_text(evaluated), capture_environment().git_commit));

  auto reference_root = YAML::Clone(config.root);
  config::erase_path(reference_root, "method");
  config::erase_path(reference_root, "search");
  YAML::Node method;
  method["name"] = "dense";
  config::set_path(reference_root, "method", method);

  const auto study = store.create_study({kReferenceStudy, "reference", "{}", "dense outputs that fidelity metrics compare against"});
  results::NewTrial trial;
  trial.trial_key = key;
  trial.config_yaml = config::to_yaml_text(reference_root);
  trial.params_json = R"({"reference": "dense"})";
  const auto id = store.enqueue(study.id, trial);
  const auto dir = store.path().parent_path() / "references" / key.substr(0, kKeyDirLength);
  for (;;) {
    const auto row = store.trial(id, false);
    switch (row.status) {
      case results::TrialStatus::kComplete:
        return outputs_of(store, id);
      case results::TrialStatus::kFailed:
        fail("the dense reference (trial {} of study {}) failed: {}", id, kReferenceStudy, row.error.value_or("no reason recorded"));
      case results::TrialStatus::kWaiting:
        if (const auto claim = store.claim_trial(id, worker)) {
          const auto executed = execute_trial(store, *claim, trial_options(claim->trial), dir);
          if (!executed.completed) fail("generating the dense reference (trial {}): {}", id, executed.summary);
        }
        break;
      case results::TrialStatus::kRunning:
        store.requeue_stale(study.id, store.options().grace_seconds);
        std::this_thread::sleep_for(kWaitPoll);
        break;
    }
  }
}

}  // namespace astraea::driver

#include "driver/trial_execution.h"

#include "config/compose.h"
#include "core/error.h"
#include "core/log.h"
#include "driver/parallel_session.h"
#include "driver/reference_cache.h"
#include "driver/trial_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace astraea::driver {
namespace {

// Heartbeats at a quarter of the store's grace period, on its own connection.
class HeartbeatThread {
 public:
  HeartbeatThread(const results::Store& store, std::int64_t trial_id, std::string worker)
      : path_(store.path()), options_(store.options()), trial_id_(trial_id), worker_(std::move(worker)) {
    constexpr double kBeatsPerGrace = 4.0;
    interval_ = std::chrono::duration<double>(options_.grace_seconds / kBeatsPerGrace);
    thread_ = std::thread([this] { loop(); });
  }
  ~HeartbeatThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    try {
      results::Store store(path_, options_);
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) store.heartbeat(trial_id_, worker_);
    } catch (const std::exception& e) {
      log::warn("heartbeat for trial {} stopped: {}", trial_id_, e.what());
    }
  }

  std::filesystem::path path_;
  results::StoreOptions options_;
  std::int64_t trial_id_;
  std::string worker_;
  std::chrono::duration<double> interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

std::string worker_name() {
  std::array<char, 256> host{};
  gethostname(host.data(), host.size());
  return fmt::format("{}:{}", host.data(), getpid());
}

config::ExperimentOptions trial_options(const results::TrialRow& trial) {
  return config::decode_experiment(config::from_resolved_yaml(trial.config_yaml, fmt::format("trial {} config", trial.id)));
}

ExecutedTrial execute_trial(results::Store& store, const results::Claim& claim, const config::ExperimentOptions& options,
                            const std::filesystem::path& dir) {
  const auto id = claim.trial.id;
  try {
    std::filesystem::create_directories(dir);
    TrialResult result;
    {
      HeartbeatThread heartbeat(store, id, claim.worker);
      const auto start = std::chrono::steady_clock::now();
      std::optional<ReferenceOutputs> reference;
      if (needs_dense_reference(options)) reference = dense_reference(store, claim.trial.config_yaml, claim.worker);
      result = run_trial_on_ranks(options, claim.trial.config_yaml, dir, reference ? &*reference : nullptr);
      // Wall time of the evaluation alone: what the evaluator's bookkeeping overhead is measured against.
      const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
      result.metrics.push_back({"evaluation_seconds", 0, seconds.count()});
    }
    store.complete(id, claim.worker, result.metrics, result.artifacts);
    return {true, result.summary};
  } catch (const std::exception& e) {
    const std::string reason = e.what();
    store.fail(id, claim.worker, reason);
    return {false, reason};
  }
}

}  // namespace astraea::driver

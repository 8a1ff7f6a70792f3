#include "driver/worker_pool.h"

#include "core/error.h"
#include "core/log.h"
#include "driver/trial_execution.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace astraea::driver {

WorkerPool::WorkerPool(const std::string& db, const std::string& study, int count, int gpus, int gpus_per_worker) {
  const pid_t parent = getpid();
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) fail("starting worker {} of {}: fork failed: {}", i, count, std::strerror(errno));
    if (pid == 0) {
      // A worker must not outlive its search: the kernel kills it when the parent dies.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      if (gpus > 0) {
        std::string devices;
        for (int g = 0; g < gpus_per_worker; ++g) devices += (g ? "," : "") + std::to_string((i * gpus_per_worker + g) % gpus);
        setenv("CUDA_VISIBLE_DEVICES", devices.c_str(), 1);
      }
      setenv("ASTRAEA_PROGRESS", "0", 1);
      execl("/proc/self/exe", "astraea", "worker", "--db", db.c_str(), "--study", study.c_str(), "--follow", static_cast<char*>(nullptr));
      _exit(127);
    }
    pids_.push_back(pid);
  }
}

WorkerPool::~WorkerPool() {
  for (pid_t pid : pids_) {
    if (pid > 0) kill(pid, SIGKILL);
  }
  for (pid_t pid : pids_) {
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
}

int WorkerPool::join() {
  for (pid_t& pid : pids_) {
    if (pid <= 0) continue;
    int status = 0;
    waitpid(pid, &status, 0);
    failed_ += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid = 0;
  }
  return failed_;
}

int WorkerPool::failed_so_far() {
  for (pid_t& pid : pids_) {
    if (pid <= 0) continue;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok) log::warn("worker process {} exited with status {}", pid, status);
      failed_ += !ok;
      pid = 0;
    }
  }
  return failed_;
}

int requeue_dead_local_workers(results::Store& store, std::int64_t study_id) {
  const std::string me = worker_name();
  const std::string_view host = std::string_view(me).substr(0, me.rfind(':'));
  int requeued = 0;
  for (const auto& trial : store.trials(study_id, false)) {
    if (trial.status != results::TrialStatus::kRunning || !trial.worker) continue;
    const std::string& worker = *trial.worker;
    const auto colon = worker.rfind(':');
    if (colon == std::string::npos || std::string_view(worker).substr(0, colon) != host) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(worker.c_str() + colon + 1));
    if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (store.requeue_abandoned(trial.id, worker)) {
      log::info("trial {}: its worker {} is gone; requeued", trial.id, worker);
      ++requeued;
    }
  }
  return requeued;
}

}  // namespace astraea::driver

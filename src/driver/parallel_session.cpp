#include "driver/parallel_session.h"

#include "config/compose.h"
#include "core/error.h"
#include "core/log.h"
#include "driver/commands.h"
#include "driver/model_setup.h"
#include "driver/trial_runner.h"
#include "parallel/launch_environment.h"

#include <fmt/format.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace astraea::driver {
namespace {

using Milliseconds = std::chrono::milliseconds;

constexpr const char* kStop = "stop";
constexpr const char* kOk = "ok";
constexpr auto kPoll = Milliseconds(20);
constexpr auto kSessionWait = Milliseconds(10 * 60 * 1000);
constexpr auto kGoodbyeWait = Milliseconds(10 * 1000);
// A test hook: the rank named here exits (status 17) as its first trial arrives.
constexpr const char* kFaultVariable = "ASTRAEA_TEST_RANK_EXIT";
constexpr int kFaultStatus = 17;

std::string job_key(int job) { return fmt::format("job/{}", job); }
std::string reply_key(int job, int rank) { return fmt::format("done/{}/{}", job, rank); }
std::string goodbye_key(int rank) { return fmt::format("bye/{}", rank); }

struct Session {
  int world = 0;
  Milliseconds timeout{0};
  std::unique_ptr<parallel::Communicator> communicator;
  std::vector<pid_t> children;  // rank r is children[r - 1]; empty when torchrun started the ranks
  int next_job = 0;
  int threads_before = 1;  // LibTorch's intra-op threads before the ranks shared the cores
  ~Session() { at::set_num_threads(threads_before); }
};

// CPU ranks share the host's cores: each gets its share for LibTorch's intra-op threads. Returns
// the previous thread count.
int share_cores(parallel::CommBackend backend, int world) {
  const int previous = at::get_num_threads();
  if (backend != parallel::CommBackend::kGloo) return previous;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(std::max(1, cores / world));
  return previous;
}

std::unique_ptr<Session>& current() {
  static std::unique_ptr<Session> session;
  return session;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("stopped (status {})", status);
}

// "rank r (pid p) exited ..." for every started rank that is gone.
std::vector<std::string> dead_ranks(Session& session) {
  std::vector<std::string> dead;
  for (std::size_t i = 0; i < session.children.size(); ++i) {
    pid_t& pid = session.children[i];
    if (pid <= 0) continue;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      dead.push_back(fmt::format("rank {} (pid {}) {}", i + 1, pid, describe_status(status)));
      pid = 0;
    }
  }
  return dead;
}

void kill_children(Session& session) {
  for (const pid_t pid : session.children) {
    if (pid > 0) kill(pid, SIGKILL);
  }
  for (pid_t& pid : session.children) {
    if (pid > 0) waitpid(pid, nullptr, 0);
    pid = 0;
  }
}

pid_t start_rank(const parallel::LaunchEnvironment& environment) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) fail("parallel: starting rank {}: fork failed: {}", environment.rank, std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a rank must not outlive rank 0
    if (getppid() != parent) _exit(1);
    for (const auto& variable : parallel::environment_variables(environment)) putenv(strdup(variable.c_str()));
    setenv("ASTRAEA_PROGRESS", "0", 1);
    execl("/proc/self/exe", "astraea", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

Session& ensure_session(const config::ExperimentOptions& options) {
  auto& session = current();
  const int world = options.parallel.gpus;
  if (session && session->world != world) {
    // A sweep over parallel.gpus: the ranks this process started make way for a new set.
    if (session->children.empty()) {
      fail(ErrorKind::kConfig, "parallel.gpus={} but torchrun started {} ranks; under torchrun one run keeps one rank count", world, session->world);
    }
    stop_parallel_ranks();
  }
  if (session) return *session;
  auto fresh = std::make_unique<Session>();
  fresh->world = world;
  fresh->timeout = Milliseconds(static_cast<std::int64_t>(options.parallel.timeout_s) * 1000);
  const auto backend = pick_device(options.model.device).is_cuda() ? parallel::CommBackend::kNccl : parallel::CommBackend::kGloo;
  const std::string info =
      nlohmann::json{{"backend", backend == parallel::CommBackend::kNccl ? "nccl" : "gloo"}, {"timeout_ms", fresh->timeout.count()}}.dump();
  fresh->threads_before = share_cores(backend, world);
  if (const auto env = parallel::launch_environment_from_env()) {
    if (env->world_size != world) fail(ErrorKind::kConfig, "parallel.gpus={} but WORLD_SIZE={}", world, env->world_size);
    fresh->communicator = parallel::Communicator::host(*env, backend, fresh->timeout, info);
  } else {
    parallel::LaunchEnvironment local;
    local.world_size = world;
    auto* started = fresh.get();
    try {
      fresh->communicator = parallel::Communicator::host(local, backend, fresh->timeout, info, [&](int port) {
        for (int rank = 1; rank < world; ++rank) {
          parallel::LaunchEnvironment child = local;
          child.rank = child.local_rank = rank;
          child.master_port = port;
          started->children.push_back(start_rank(child));
        }
      });
    } catch (const std::exception& e) {
      const auto dead = dead_ranks(*started);
      kill_children(*started);
      if (dead.empty()) throw;
      fail("{}; {}", e.what(), dead.front());
    }
  }
  session = std::move(fresh);
  return *session;
}

}  // namespace

ParallelTrial::ParallelTrial(const config::ExperimentOptions& options, const std::string& config_yaml) {
  auto& session = ensure_session(options);
  job_ = session.next_job++;
  session.communicator->publish(job_key(job_), config_yaml);
}

parallel::Communicator& ParallelTrial::communicator() { return *current()->communicator; }

void ParallelTrial::finish() {
  auto& session = *current();
  const auto deadline = std::chrono::steady_clock::now() + session.timeout;
  for (int rank = 1; rank < session.world; ++rank) {
    const auto key = reply_key(job_, rank);
    while (!session.communicator->has(key)) {
      if (const auto dead = dead_ranks(session); !dead.empty()) fail("parallel: {}", dead.front());
      if (std::chrono::steady_clock::now() > deadline) fail("parallel: rank {} did not finish within parallel.timeout_s", rank);
      std::this_thread::sleep_for(kPoll);
    }
    const auto reply = session.communicator->await(key, session.timeout);
    if (reply != kOk) fail("parallel: rank {}: {}", rank, reply);
  }
}

std::string ParallelTrial::explain(const std::exception& error) {
  auto& session = current();
  std::string message = error.what();
  if (!session) return message;
  std::vector<std::string> causes;
  for (int rank = 1; rank < session->world; ++rank) {
    try {
      const auto key = reply_key(job_, rank);
      if (session->communicator->has(key)) {
        const auto reply = session->communicator->await(key, session->timeout);
        if (reply != kOk) causes.push_back(fmt::format("rank {}: {}", rank, reply));
      }
    } catch (const std::exception&) {
      // The store itself is gone: the dead ranks below say why.
    }
  }
  std::this_thread::sleep_for(kPoll * 5);  // a rank that just broke a collective may still be exiting
  for (auto& dead : dead_ranks(*session)) causes.push_back(std::move(dead));
  kill_children(*session);
  session.reset();
  if (causes.empty()) return message;
  std::string joined;
  for (const auto& cause : causes) joined += (joined.empty() ? "" : "; ") + cause;
  return message.find("parallel: ") == 0 ? message : fmt::format("parallel: {} (rank 0: {})", joined, message);
}

TrialResult run_trial_on_ranks(const config::ExperimentOptions& options, const std::string& config_yaml,
                               const std::filesystem::path& output_dir, const ReferenceOutputs* reference) {
  if (options.parallel.gpus <= 1) return run_trial(options, output_dir, reference);
  ParallelTrial ranks(options, config_yaml);
  try {
    auto result = run_trial(options, output_dir, reference, TrialRanks{&ranks.communicator(), false});
    ranks.finish();
    return result;
  } catch (const std::exception& e) {
    throw Error(ranks.explain(e));
  }
}

bool is_follower_rank() {
  const auto env = parallel::launch_environment_from_env();
  return env && env->rank > 0;
}

int serve_parallel_trials() {
  const auto env = parallel::launch_environment_from_env();
  if (!env || env->rank == 0) fail("parallel: serve_parallel_trials needs RANK > 0");
  setenv("ASTRAEA_PROGRESS", "0", 1);
  try {
    const auto info = nlohmann::json::parse(parallel::Communicator::read_session(*env, kSessionWait));
    const auto backend = info.at("backend").get<std::string>() == "nccl" ? parallel::CommBackend::kNccl : parallel::CommBackend::kGloo;
    const Milliseconds timeout(info.at("timeout_ms").get<std::int64_t>());
    share_cores(backend, env->world_size);
    auto communicator = parallel::Communicator::join(*env, backend, timeout);
    const char* fault = std::getenv(kFaultVariable);
    for (int job = 0;; ++job) {
      const auto yaml = communicator->await(job_key(job), Milliseconds(0));
      if (yaml == kStop) {
        communicator->publish(goodbye_key(env->rank), kOk);
        return 0;
      }
      if (fault && std::atoi(fault) == env->rank) _exit(kFaultStatus);
      std::string reply = kOk;
      try {
        const auto options = config::decode_experiment(config::from_resolved_yaml(yaml, fmt::format("trial config from rank 0 (job {})", job)));
        run_trial(options, {}, nullptr, TrialRanks{communicator.get(), true});
      } catch (const std::exception& e) {
        reply = e.what();
      }
      communicator->publish(reply_key(job, env->rank), reply);
      if (reply != kOk) return 1;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "astraea rank {}: {}\n", env->rank, e.what());
    return 1;
  }
}

void stop_parallel_ranks() {
  auto& session = current();
  if (!session) return;
  try {
    session->communicator->publish(job_key(session->next_job), kStop);
    for (int rank = 1; rank < session->world; ++rank) session->communicator->await(goodbye_key(rank), kGoodbyeWait);
  } catch (const std::exception& e) {
    log::warn("parallel: stopping the ranks: {}", e.what());
  }
  // Ranks that said goodbye exit at once; any other is killed after a short grace.
  const auto deadline = std::chrono::steady_clock::now() + kGoodbyeWait;
  while (std::chrono::steady_clock::now() < deadline) {
    dead_ranks(*session);
    bool running = false;
    for (const pid_t pid : session->children) running |= pid > 0;
    if (!running) break;
    std::this_thread::sleep_for(kPoll);
  }
  kill_children(*session);
  session.reset();
}

}  // namespace astraea::driver

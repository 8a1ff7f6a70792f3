// One process's link to the others of a multi-process run: c10d's ProcessGroupNCCL (CUDA) or
// ProcessGroupGloo (CPU) from LibTorch, over a TCPStore rendezvous that also carries small control
// messages. c10d stays behind this header.
#pragma once

#include "parallel/launch_environment.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace astraea::parallel {

enum class CommBackend { kGloo, kNccl };

class Communicator {
 public:
  // Rank 0: hosts the rendezvous (on a free port when master_port is 0), publishes `session` for
  // the other ranks (read_session), calls `before_join(port)` (to start them), and joins the
  // process group. Collectives and store reads fail after `timeout` instead of hanging.
  static std::unique_ptr<Communicator> host(LaunchEnvironment environment, CommBackend backend, std::chrono::milliseconds timeout,
                                            const std::string& session, const std::function<void(int port)>& before_join = {});
  // Ranks > 0: what rank 0 published as `session`, waiting up to `timeout` for it.
  static std::string read_session(const LaunchEnvironment& environment, std::chrono::milliseconds timeout);
  // Ranks > 0: joins rank 0's process group.
  static std::unique_ptr<Communicator> join(const LaunchEnvironment& environment, CommBackend backend, std::chrono::milliseconds timeout);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return environment_.rank; }
  int size() const { return environment_.world_size; }
  const LaunchEnvironment& environment() const { return environment_; }

  // All-to-all of a flat tensor: send_counts[j] elements (in order) go to rank j, and the result
  // holds recv_counts[i] elements from each rank i, in rank order.
  at::Tensor all_to_all(const at::Tensor& flat, const std::vector<std::int64_t>& send_counts, const std::vector<std::int64_t>& recv_counts);
  // Returns once every rank has called it: a collective on `device` (a GPU under NCCL), waited for.
  void barrier(const c10::Device& device);

  // Control messages through the rendezvous store.
  void publish(const std::string& key, const std::string& value);
  // Waits up to `timeout` (forever when zero), polling; throws when it passes or the store is gone.
  std::string await(const std::string& key, std::chrono::milliseconds timeout);
  bool has(const std::string& key);

 private:
  struct Impl;
  Communicator(LaunchEnvironment environment, std::unique_ptr<Impl> impl);
  LaunchEnvironment environment_;
  std::unique_ptr<Impl> impl_;
};

// NCCL exists in this build (a CUDA LibTorch with NCCL headers).
bool nccl_available();

}  // namespace astraea::parallel

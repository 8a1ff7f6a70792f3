// Where this process sits in a multi-process run: the torchrun variables (RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT), which `astraea run ... parallel.gpus=N` also sets for the
// ranks it starts, so the same binary runs under torchrun or a cluster scheduler.
#pragma once

#include <optional>
#include <vector>
#include <string>

namespace astraea::parallel {

struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;
};

// The torchrun variables when RANK is set, else nothing. Throws a config error naming the
// variable when one is missing or malformed (RANK set without WORLD_SIZE, RANK >= WORLD_SIZE, ...).
std::optional<LaunchEnvironment> launch_environment_from_env();

// The variables for `environment`, as NAME=value strings for a child process's environment.
std::vector<std::string> environment_variables(const LaunchEnvironment& environment);

}  // namespace astraea::parallel

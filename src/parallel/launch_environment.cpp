#include "parallel/launch_environment.h"

#include "core/error.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace astraea::parallel {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

int integer_variable(const char* name, std::optional<int> fallback, int min, int max) {
  const auto text = variable(name);
  if (!text) {
    if (fallback) return *fallback;
    fail(ErrorKind::kConfig, "parallel: {} is not set (RANK is; the torchrun variables go together)", name);
  }
  int value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    fail(ErrorKind::kConfig, "parallel: {}='{}' is not an integer in [{}, {}]", name, *text, min, max);
  }
  return value;
}

}  // namespace

std::optional<LaunchEnvironment> launch_environment_from_env() {
  if (!variable("RANK")) return std::nullopt;
  constexpr int kMaxRanks = 1 << 16;
  LaunchEnvironment env;
  env.world_size = integer_variable("WORLD_SIZE", std::nullopt, 1, kMaxRanks);
  env.rank = integer_variable("RANK", std::nullopt, 0, env.world_size - 1);
  env.local_rank = integer_variable("LOCAL_RANK", env.rank, 0, kMaxRanks);
  env.master_addr = variable("MASTER_ADDR").value_or("127.0.0.1");
  if (env.master_addr.empty()) fail(ErrorKind::kConfig, "parallel: MASTER_ADDR is empty");
  env.master_port = integer_variable("MASTER_PORT", std::nullopt, 1, 65535);
  return env;
}

std::vector<std::string> environment_variables(const LaunchEnvironment& environment) {
  return {"RANK=" + std::to_string(environment.rank), "WORLD_SIZE=" + std::to_string(environment.world_size),
          "LOCAL_RANK=" + std::to_string(environment.local_rank), "MASTER_ADDR=" + environment.master_addr,
          "MASTER_PORT=" + std::to_string(environment.master_port)};
}

}  // namespace astraea::parallel

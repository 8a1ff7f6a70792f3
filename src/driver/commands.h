// One function per CLI subcommand. Each takes its parsed options and returns the exit status;
// failures are thrown as astraea::Error and turned into one line by main().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace astraea::driver {

struct RunCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  bool print_config = false;  // --cfg: print the resolved config and run nothing
};
int run_command(const RunCommand& command);

struct SweepCommand {
  std::string config_file;
  std::vector<std::string> overrides;
  bool multirun = false;
  bool print_config = false;
};
int sweep_command(const SweepCommand& command);

struct DbCommand {
  std::string action;  // ls | show
  std::string db;
  std::optional<std::string> study;
  std::optional<std::int64_t> trial;
};
int db_command(const DbCommand& command);

// For subcommands whose capability belongs to a later part of the project: says so, exits 3.
[[noreturn]] void not_built(const std::string& subcommand, const std::string& needs);

}  // namespace astraea::driver

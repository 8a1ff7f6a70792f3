// Runs the astraea binary as a user would and captures exit status, stdout and stderr.
#pragma once

#include "support/temp_dir.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace astraea::testing {

struct CliResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `arguments` is appended to the binary path as shell text; runs in `cwd`.
inline CliResult run_cli(const std::string& arguments, const std::filesystem::path& cwd, const std::string& environment = "") {
  TempDir capture;
  const auto out = capture.path() / "out", err = capture.path() / "err";
  const std::string command = fmt::format("cd '{}' && {} ASTRAEA_PROGRESS=0 '{}' {} >'{}' 2>'{}' </dev/null", cwd.string(), environment,
                                          ASTRAEA_BINARY, arguments, out.string(), err.string());
  const int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_file(out), read_file(err)};
}

// A scratch directory holding a copy of the shipped experiments/ tree: where CLI tests run.
struct Workspace {
  TempDir dir;
  Workspace() {
    std::filesystem::copy(std::filesystem::path(ASTRAEA_SOURCE_DIR) / "experiments", dir.path() / "experiments",
                          std::filesystem::copy_options::recursive);
  }
  std::filesystem::path path() const { return dir.path(); }
};

inline std::size_t count_lines(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

}  // namespace astraea::testing

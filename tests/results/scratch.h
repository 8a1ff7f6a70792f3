// Test helpers for the results store: a fresh temporary directory per test, whole-file reads for
// byte-for-byte comparisons, and child processes that report back through their exit status.
#pragma once

#include "support/remove_tree.h"
#include "core/error.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace astraea::results::testing {

// The exit status a child uses when its body threw.
inline constexpr int kChildThrew = 100;
// wait_for reports a child ended by signal N as kSignalBase + N, as shells do.
inline constexpr int kSignalBase = 128;

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "astraea-results-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() { astraea::testing::remove_tree(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What an astraea::Error thrown by fn() said; nullopt when fn() returned normally.
struct Caught {
  ErrorKind kind;
  std::string message;
  bool mentions(std::string_view text) const { return message.find(text) != std::string::npos; }
};

template <typename Fn>
std::optional<Caught> catch_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return Caught{e.kind(), e.what()};
  }
  return std::nullopt;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Forks; the child runs body() and exits with its result (kChildThrew if it threw), never
// returning into the test framework.
inline pid_t spawn(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  int code = kChildThrew;
  try {
    code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());
  }
  std::fflush(stderr);
  ::_exit(code);
}

// Waits for the child; its exit status, or kSignalBase + signal number when a signal ended it.
inline int wait_for(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return kSignalBase + WTERMSIG(status);
  return -1;
}

}  // namespace astraea::results::testing

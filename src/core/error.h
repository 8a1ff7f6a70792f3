// Errors that carry context. Library code throws astraea::Error; each layer that the error
// crosses may prepend what it was doing, and the CLI prints the chain once, on one line.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace astraea {

// What kind of failure this is; the CLI maps it to an exit status.
enum class ErrorKind {
  kGeneric,   // anything else
  kConfig,    // bad YAML, unknown key, malformed override: a user input problem
  kStorage,   // the results database is missing, read-only, corrupt or newer than us
  kNotBuilt,  // a capability that belongs to a later part of the project
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, ErrorKind kind = ErrorKind::kGeneric)
      : std::runtime_error(message), message_(std::move(message)), kind_(kind) {}

  const char* what() const noexcept override { return message_.c_str(); }
  ErrorKind kind() const noexcept { return kind_; }

  // Prepends "context: " to the message; returns *this so callers can `throw e.with_context(..)`.
  Error& with_context(const std::string& context) {
    message_ = context + ": " + message_;
    return *this;
  }

 private:
  std::string message_;
  ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...), kind);
}

// Runs fn(); an astraea::Error escaping it gains `context` as a prefix.
template <typename Fn>
decltype(auto) with_context(const std::string& context, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (Error& e) {
    e.with_context(context);
    throw;
  }
}

}  // namespace astraea

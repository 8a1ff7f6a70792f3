#include "core/log.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace astraea::log {

Level threshold() {
  static const Level level = [] {
    const char* env = std::getenv("ASTRAEA_LOG");
    const std::string value = env ? env : "info";
    if (value == "debug") return Level::kDebug;
    if (value == "warn") return Level::kWarn;
    if (value == "error") return Level::kError;
    return Level::kInfo;
  }();
  return level;
}

void write(Level level, std::string_view message) {
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  std::fprintf(stderr, "[%s] %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
}

}  // namespace astraea::log

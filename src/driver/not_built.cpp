#include "core/error.h"
#include "driver/commands.h"
#include "driver/exit_codes.h"

namespace astraea::driver {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConfig: return kExitUsage;
    case ErrorKind::kStorage: return kExitStorage;
    case ErrorKind::kNotBuilt: return kExitNotBuilt;
    case ErrorKind::kGeneric: break;
  }
  return kExitFailure;
}

void not_built(const std::string& subcommand, const std::string& needs) {
  fail(ErrorKind::kNotBuilt, "{}: not built yet: {}", subcommand, needs);
}

}  // namespace astraea::driver

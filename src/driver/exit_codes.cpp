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

}  // namespace astraea::driver

// Process exit statuses of the astraea CLI.
#pragma once

#include "core/error.h"

namespace astraea::driver {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // an unexpected error
inline constexpr int kExitUsage = 2;      // bad command line or config: nothing was run
inline constexpr int kExitNotBuilt = 3;   // the capability belongs to a part of the project not built yet
inline constexpr int kExitStorage = 4;    // the results database could not be used

int exit_code_for(ErrorKind kind);

}  // namespace astraea::driver

// What a trial ran on: git commit and dirty flag of the source tree, compiler, LibTorch and CUDA
// versions, GPU and host. Recorded once per process in the results store.
#pragma once

#include "results/store.h"

namespace astraea::driver {

results::EnvironmentRecord capture_environment();

}  // namespace astraea::driver

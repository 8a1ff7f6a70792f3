#!/usr/bin/env bash
# Configures (once) and builds astraea into build/. Installs missing dependencies first.
# Extra arguments go to the build tool, e.g. scripts/build.sh --target astraea.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
build="$root/build"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$root/build-configure.log" 2>&1 \
    || { cat "$root/build-configure.log"; echo "build: cmake configure failed (log above)"; exit 1; }
fi
jobs=${ASTRAEA_BUILD_JOBS:-$(nproc)}
cmake --build "$build" -j "$jobs" "$@"

#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test through CTest.
# GPU tests skip themselves on machines without a GPU.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 600 -j "${ASTRAEA_TEST_JOBS:-$(nproc)}"

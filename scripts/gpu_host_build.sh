#!/usr/bin/env bash
# Run on the GPU host (Ubuntu 24.04, torch 2.11+cu130, no network) after scripts/gpu_host_stage.sh
# staged .gpu/prefix here: configures build-gpu/ for sm_90a against the host's torch and the
# staged libraries, builds, and runs the test suite (GPU tests included; ASTRAEA_SKIP_TESTS=1
# builds only; ASTRAEA_BUILD_TARGET=astraea builds just the CLI, and skips the tests).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix="$root/.gpu/prefix"
[ -d "$prefix" ] || { echo "gpu_host_build: run scripts/gpu_host_stage.sh on the development machine first"; exit 1; }
python=${PYTHON:-python3}
torch_prefix=$("$python" -c 'import torch;print(torch.utils.cmake_prefix_path)')
multiarch=/usr/lib/x86_64-linux-gnu
[ -e "$multiarch/libsqlite3.so" ] || ln -sf "$multiarch/libsqlite3.so.0" "$multiarch/libsqlite3.so"
[ -e "$multiarch/libcrypto.so" ] || ln -sf "$multiarch/libcrypto.so.3" "$multiarch/libcrypto.so"
export LD_LIBRARY_PATH="$prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
cmake -S "$root" -B "$root/build-gpu" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix;$torch_prefix" -DCMAKE_CUDA_ARCHITECTURES=90a -DTORCH_CUDA_ARCH_LIST=9.0a \
  -DSQLite3_INCLUDE_DIR="$prefix/include" -DOPENSSL_INCLUDE_DIR="$prefix/include" \
  -DASTRAEA_CUDA=ON "$@"
cmake --build "$root/build-gpu" -j "$(nproc)" --target "${ASTRAEA_BUILD_TARGET:-all}"
[ "${ASTRAEA_SKIP_TESTS:-0}" = 1 ] || [ -n "${ASTRAEA_BUILD_TARGET:-}" ] && exit 0
cd "$root/build-gpu"
ctest --output-on-failure -j 8

#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the quickstart study
# (experiments/quickstart.yaml) under dense attention, RainFusion and ASTRAEA.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh" --target astraea
cd "$root"
exec "$root/build/bin/astraea" sweep experiments/quickstart.yaml -m method=dense,rainfusion,astraea "$@"

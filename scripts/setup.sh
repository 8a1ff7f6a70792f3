#!/usr/bin/env bash
# Installs everything astraea needs on a fresh Debian 12 machine: Debian packages and a
# project-local virtualenv holding the torch==2.11.0 wheel (LibTorch), numpy and matplotlib.
# Idempotent: each step checks first and is silent when there is nothing to do.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
torch_version=2.11.0

apt_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libyaml-cpp-dev libsqlite3-dev sqlite3 libeigen3-dev catch2
  libcli11-dev nlohmann-json3-dev libfmt-dev libpng-dev libgif-dev
  libssl-dev libomp-dev clang libclang-rt-dev libgloo-dev
  python3 python3-venv python3-pip
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating virtualenv $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$torch_version' else 1)" 2>/dev/null \
   || ! "$venv/bin/python" -c "import matplotlib, numpy" 2>/dev/null; then
  echo "setup: installing torch==$torch_version, numpy and matplotlib into $venv (large download, once)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "torch==$torch_version" numpy matplotlib
fi

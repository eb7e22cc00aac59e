#!/usr/bin/env bash
# Installs the Debian packages max78sim builds and tests with.
# Idempotent: does nothing when everything is already present.
set -euo pipefail
pkgs=(cmake make gcc libc6-dev pkg-config libcjson-dev libcriterion-dev libsdl2-dev libsdl2-image-dev
      libsdl2-ttf-dev fonts-dejavu-core xvfb xauth valgrind gcc-arm-none-eabi libnewlib-arm-none-eabi
      libunicorn-dev libxml2-utils gdb-multiarch python3 python3-dev python3-numpy python3-pytest
      clang libclang-rt-dev llvm clang-format)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds max78sim
# into ./build (Release-with-debug-info).  Safe to run repeatedly.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" 2>&1 | grep -v "^\[" || true
test -x "$root/build/bin/max78sim"

#!/usr/bin/env bash
# Builds everything and runs every test (unit tests and the known-answer
# corpus cases) with CTest on all cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/scripts/build.sh"
cd "$root/build"
ctest -j"$(nproc)" --output-on-failure --timeout 1200

#!/usr/bin/env bash
# The main job: build, then run the main model's synthesized firmware on
# the simulator and print its per-layer report.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tools/scripts/build.sh"
cd "$root"
exec ./build/bin/max78sim run "${1:-animal-yolo-pico}"

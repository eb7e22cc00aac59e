#!/usr/bin/env bash
# Sample CI job for a firmware repository: every synthesized project runs
# on the simulator (no board), the job fails when one fails, and a JUnit
# XML report goes to the CI system (README, "Firmware CI without a board").
#
# usage: firmware-ci.sh PROJECT...   (firmware folders, corpus cases, models)
# environment: MAX78SIM  the max78sim command (default: build this checkout
#                        with tools/scripts/build.sh and use ./build/bin/max78sim)
#              JUNIT     the report to write (default max78sim-junit.xml)
#              JOBS      projects at a time (default: the number of cores)
set -euo pipefail
if [ -z "${MAX78SIM:-}" ]; then
  root=$(cd "$(dirname "$0")/../.." && pwd)
  bash "$root/tools/scripts/build.sh" -q
  MAX78SIM=$root/build/bin/max78sim
fi
[ $# -gt 0 ] || { echo "usage: firmware-ci.sh PROJECT..." >&2; exit 2; }
# exit 0 all passed, 1 one failed or could not be run, 2 bad usage
exec "$MAX78SIM" test "$@" --jobs "${JOBS:-$(nproc)}" --junit "${JUNIT:-max78sim-junit.xml}"

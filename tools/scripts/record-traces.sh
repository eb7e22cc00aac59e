#!/usr/bin/env bash
# Records the traces in traces/ from the self-made test programs in
# tests/fw/ (run from the project root after a build).  The traces keep
# the recorded read values, so `max78sim replay traces/X.json` checks the
# simulator against what it computed when they were recorded; re-record
# only on purpose (a changed program or a deliberate timing change).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
m=${MAX78SIM:-build/bin/max78sim}
for p in pool-max pool-max-s1 pool-fifo; do
  "$m" run "tests/fw/$p" --quiet --no-table --record "traces/$p.json"
  echo "traces/$p.json"
done

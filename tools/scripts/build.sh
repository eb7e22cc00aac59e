#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds max78sim
# into ./build (Release-with-debug-info).  Safe to run repeatedly.
# One line per step on stderr, with its time, so a first build (about a
# minute on two cores) is never silent; -q prints errors only.
# usage: build.sh [-q]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
quiet=0
[ "${1:-}" = "-q" ] && quiet=1
say() { [ $quiet -eq 1 ] || echo "build.sh: $*" >&2; }
t0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }

t=$(date +%s.%N)
say "[1/3] checking the Debian packages (tools/scripts/install-deps.sh) ..."
bash "$root/tools/scripts/install-deps.sh"
say "[1/3] packages ready ($(since "$t"))"

t=$(date +%s.%N)
say "[2/3] configuring $root/build (cmake) ..."
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
say "[2/3] configured ($(since "$t"))"

t=$(date +%s.%N)
say "[3/3] compiling (cmake --build -j$(nproc); nothing to do if up to date) ..."
# (pipefail: the pipeline fails when the build does, whatever grep finds)
if ! cmake --build "$root/build" -j"$(nproc)" 2>&1 | { grep -v "^\[" || true; }; then
  echo "build.sh: the build failed (the errors are above)" >&2
  exit 1
fi
test -x "$root/build/bin/max78sim"
say "[3/3] compiled ($(since "$t")); build finished in $(since "$t0")"

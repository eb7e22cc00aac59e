#!/usr/bin/env bash
# Runs the fuzz targets for a long time (docs/reliability.md): builds the
# sanitized fuzz tree if needed, seeds it, then runs TARGETS (default: all
# five) in parallel, each for SECONDS with one job, nice'd.  Prints each
# target's executions, coverage and peak memory at the end; an input that
# crashes, leaks or hangs is kept in WORK/fuzz/artifacts.
# usage: run_long.sh [--work DIR] [--seconds N] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build/sanitize secs=3600
while [ $# -gt 0 ]; do
  case $1 in
    --work) work=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    *) break ;;
  esac
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(trace devdata elf bus gdbproto)
if [ ! -x "$work/bin/fuzz_trace" ]; then
  CC=clang cmake -S "$root" -B "$work" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_VIEWER=OFF -DBUILD_FUZZ=ON \
    -DM78_SANITIZE="address,undefined,float-cast-overflow" >/dev/null
  nice cmake --build "$work" -j"$(nproc)" >/dev/null
fi
/usr/bin/python3 "$root/tests/fuzz/gen_seeds.py" "$root" "$work" "$work/fuzz/seeds"
unset ASAN_OPTIONS LSAN_OPTIONS
pids=()
for t in "${targets[@]}"; do
  nice "$root/tests/fuzz/run_fuzz.sh" "$work/bin/fuzz_$t" "$work/fuzz" "$t" "$secs" > "$work/fuzz/$t.long.txt" 2>&1 &
  pids+=($!)
done
fail=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || fail=1
  echo "${targets[$i]}: $(tr '\n' ' ' < "$work/fuzz/${targets[$i]}.long.txt")"
done
exit $fail

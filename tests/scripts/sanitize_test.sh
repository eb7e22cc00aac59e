#!/usr/bin/env bash
# The sanitizer job (issue 18): configures and builds a second build tree
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer (with
# float-cast-overflow, which GCC's UBSan lacks) and libFuzzer, then runs
# a subset there with LeakSanitizer at its defaults: the unit tests, the
# CLI error tests, the reliability tests, the trace tests, a handful of
# corpus cases, and every fuzz target for M78_FUZZ_SECONDS.  Firmware the
# sanitized max78sim builds is linked with the same sanitizers.
# usage: sanitize_test.sh SOURCE_DIR WORK_DIR CORPUS_DIR
set -euo pipefail
src=$1 work=$2 corpus=$3
command -v clang >/dev/null || { echo "FAIL: clang is missing (tools/scripts/install-deps.sh installs it)"; exit 1; }
t0=$(date +%s)
mkdir -p "$work"
CC=clang cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_VIEWER=OFF -DBUILD_FUZZ=ON \
  -DM78_SANITIZE="address,undefined,float-cast-overflow" -DM78_CORPUS_DIR="$corpus" \
  -DM78_FUZZ_SECONDS="${M78_FUZZ_SECONDS:-20}" >"$work/configure.log"
echo "sanitize: configured ($(( $(date +%s) - t0 )) s)"
nice cmake --build "$work" -j"$(nproc)" >"$work/build.log" 2>&1 || { grep -E "error|Error" "$work/build.log" | head -30; exit 1; }
echo "sanitize: built ($(( $(date +%s) - t0 )) s)"
# LeakSanitizer on at its defaults (detect_leaks=1); UBSan stops at the first report
unset ASAN_OPTIONS LSAN_OPTIONS
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export M78SIM_CACHE="$work/firmware-cache"
export M78_SANITIZED=1 # tests that cap memory with ulimit -v leave it off (ASan's shadow)
cases='kat/(mnist|cifar-10|kws20_v3|t-eltwiseadd|t-passthroughmultipass|mnist-fifo)$'
cd "$work"
ctest -j"$(nproc)" --output-on-failure --timeout 600 \
  -R "^(unit/|cli/errors$|cli/compare-errors$|reliability/|trace/cli$|fuzz/|$cases)" \
  -E "^reliability/(trace-memory)$"
echo "sanitize: done ($(( $(date +%s) - t0 )) s)"

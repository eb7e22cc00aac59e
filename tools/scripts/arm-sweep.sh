#!/usr/bin/env bash
# Runs every corpus case twice, on the host shim and as a Cortex-M4 ELF
# (max78sim build + run --elf), and compares: exit status, every layer
# dump / sram.bin / footprint.bin, and the CNN cycles.  One line per case,
# then a summary.  Not part of the test suite (about 10 minutes on two
# cores); docs/arm.md quotes its output.
# usage: arm-sweep.sh [MAX78SIM] [CORPUS_DIR] [WORKDIR] [JOBS]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
m=${1:-$root/build/bin/max78sim}
corpus=${2:-$root/../shared/corpus}
work=${3:-$(mktemp -d /tmp/max78sim-arm-sweep-XXXXXX)}
jobs=${4:-2}
[ -x "$m" ] || { echo "arm-sweep: $m is not an executable" >&2; exit 2; }
[ -d "$corpus" ] || { echo "arm-sweep: no corpus at $corpus" >&2; exit 2; }
mkdir -p "$work" || exit 2

one() {
  local m=$1 corpus=$2 work=$3 c=$4 w=$3/$4
  rm -rf "$w" && mkdir -p "$w"
  if ! "$m" build "$corpus/$c/firmware" -q -o "$w/fw.elf" >"$w/build.out" 2>&1; then
    echo "$c build-failed $(tail -n 1 "$w/build.out")"
    return
  fi
  "$m" run --elf "$w/fw.elf" -q --no-table --json "$w/arm.json" --dump-layers "$w/arm" >"$w/arm.out" 2>&1
  local ra=$?
  "$m" run "$corpus/$c/firmware" -q --no-table --json "$w/host.json" --dump-layers "$w/host" >"$w/host.out" 2>&1
  local rh=$?
  local d=same
  diff -rq "$w/host" "$w/arm" >/dev/null 2>&1 || d=differ
  local hc ac
  hc=$(grep -m1 -oE '"cycles":[[:space:]]*[0-9]+' "$w/host.json" 2>/dev/null | grep -oE '[0-9]+$')
  ac=$(grep -m1 -oE '"cycles":[[:space:]]*[0-9]+' "$w/arm.json" 2>/dev/null | grep -oE '[0-9]+$')
  echo "$c exit host $rh arm $ra, dumps $d, CNN cycles host ${hc:-?} arm ${ac:-?}"
}
export -f one
ls "$corpus" | while read -r c; do [ -d "$corpus/$c/firmware" ] && echo "$c"; done |
  xargs -P "$jobs" -I{} bash -c 'one "$@"' _ "$m" "$corpus" "$work" {} | sort | tee "$work/results.txt"
n=$(wc -l <"$work/results.txt")
built=$(grep -vc build-failed "$work/results.txt")
same=$(grep -cE 'exit host ([0-9]+) arm \1, dumps same, CNN cycles host ([0-9]+) arm \2$' "$work/results.txt")
echo "arm-sweep: $n cases, $built built for the Cortex-M4; $same with the same exit status, dumps and CNN cycles" \
     "as on the host; the others are listed above (work folder $work)"

#!/usr/bin/env bash
# Runs every corpus case twice, on the host shim and as a Cortex-M4 ELF
# (max78sim build + run --elf), and compares: exit status, every layer
# dump / sram.bin / footprint.bin, and the CNN cycles.  One line per case,
# then a summary.  Not part of the test suite (about 10 minutes on two
# cores); docs/arm.md quotes its output.
# Then the FIFO-fed cases (load_input writes the FIFOs) as a table: total
# inference cycles on the host and on the Arm, and their difference.
# usage: arm-sweep.sh [MAX78SIM] [CORPUS_DIR] [WORKDIR] [JOBS] [fifo]
#   fifo: run the FIFO-fed cases only (about 3 minutes)
#   table: print the table again from WORKDIR/results.txt, run nothing
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
m=${1:-$root/build/bin/max78sim}
corpus=${2:-$root/../shared/corpus}
work=${3:-$(mktemp -d /tmp/max78sim-arm-sweep-XXXXXX)}
jobs=${4:-2}
only=${5:-}
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
fifo_fed() { grep -q 'Write FIFO' "$corpus/$1/firmware/main.c" 2>/dev/null; }
if [ "$only" != table ]; then
ls "$corpus" | while read -r c; do
  [ -d "$corpus/$c/firmware" ] || continue
  [ "$only" = fifo ] && ! fifo_fed "$c" && continue
  echo "$c"
done |
  xargs -P "$jobs" -I{} bash -c 'one "$@"' _ "$m" "$corpus" "$work" {} | sort | tee "$work/results.txt"
n=$(wc -l <"$work/results.txt")
built=$(grep -vc build-failed "$work/results.txt")
same=$(grep -cE 'exit host ([0-9]+) arm \1, dumps same, CNN cycles host ([0-9]+) arm \2$' "$work/results.txt")
echo "arm-sweep: $n cases, $built built for the Cortex-M4; $same with the same exit status, dumps and CNN cycles" \
     "as on the host; the others are listed above (work folder $work)"
fi

echo
echo "FIFO-fed cases: total inference cycles (CNN), host shim against the Cortex-M4"
printf '%-40s %12s %12s %9s\n' case host arm difference
nf=0 within=0
while read -r line; do
  c=${line%% *}
  fifo_fed "$c" || continue
  case "$line" in *build-failed*) printf '%-40s %s\n' "$c" "does not fit the flash (not built)"; continue ;; esac
  h=$(echo "$line" | sed -n 's/.*CNN cycles host \([0-9]*\) arm \([0-9]*\)$/\1/p')
  a=$(echo "$line" | sed -n 's/.*CNN cycles host \([0-9]*\) arm \([0-9]*\)$/\2/p')
  if [ "$h" = 0 ] && [ "$a" = 0 ]; then printf '%-40s %s\n' "$c" "no inference on either ($(echo "$line" | cut -d, -f1 | cut -d' ' -f2-))"; continue; fi
  if [ -z "$h" ] || [ -z "$a" ]; then printf '%-40s %s\n' "$c" "no cycles: $line"; nf=$((nf + 1)); continue; fi
  d=$(awk -v h="$h" -v a="$a" 'BEGIN { printf "%+.3f%%", 100 * (h - a) / a }')
  printf '%-40s %12s %12s %9s\n' "$c" "$h" "$a" "$d"
  nf=$((nf + 1))
  awk -v h="$h" -v a="$a" 'BEGIN { d = (h - a) / a; exit !(d < 0.01 && d > -0.01) }' && within=$((within + 1))
done <"$work/results.txt"
echo "arm-sweep: $within of $nf FIFO-fed cases with an inference that fit the flash within 1% between host and Arm"

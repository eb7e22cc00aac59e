#!/usr/bin/env bash
# A corpus firmware built for the Cortex-M4 with the board-support layer
# and run with `max78sim run --elf` must print PASS, write layer dumps
# (every layer, sram.bin, footprint.bin, the captured input) byte for byte
# equal to the host-shim run's (and replay from its trace to the same
# report and dumps), and give the same CNN cycles (inference
# and every layer, less the stall cycles of streaming layers, which wait
# for the CPU's FIFO loader).  With a time window (mnist), the firmware's printed
# inference time must lie inside it.  Prints the figures it compares.
# usage: arm_corpus_test.sh MAX78SIM JSON_GET CORPUS_DIR CASE WORKDIR [MIN_US MAX_US]
set -u
m=$1 jg=$2 corpus=$3 case=$4 work=$5 tmin=${6:-} tmax=${7:-}
fw=$corpus/$case/firmware
[ -d "$fw" ] || { echo "no corpus case at $fw"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0

"$m" build "$fw" -o "$work/fw.elf" >"$work/build.out" 2>&1 || { cat "$work/build.out"; echo "FAIL: build"; exit 1; }
M78SIM_ARM_STATS=1 "$m" run --elf "$work/fw.elf" --json "$work/arm.json" --dump-layers "$work/arm" \
  --record "$work/arm.trace" >"$work/arm.out" 2>"$work/arm.err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/arm.out" "$work/arm.err"; echo "FAIL: run --elf exit $rc"; exit 1; }
grep -q '^\*\*\* PASS \*\*\*' "$work/arm.out" || { echo "FAIL: no *** PASS *** from the ELF"; fail=1; }
"$m" run "$fw" -q --json "$work/host.json" --dump-layers "$work/host" >"$work/host.out" 2>&1 ||
  { cat "$work/host.out"; echo "FAIL: host run"; exit 1; }

n=0
for f in "$work"/host/*; do
  b=$(basename "$f")
  if ! cmp -s "$f" "$work/arm/$b"; then echo "FAIL: $b differs from the host run's"; fail=1; fi
  n=$((n + 1))
done
[ "$n" -gt 2 ] || { echo "FAIL: the host run wrote only $n dump files"; fail=1; }
[ "$(ls "$work/arm" | wc -l)" -eq "$n" ] || { echo "FAIL: the Arm run wrote other dump files"; fail=1; }
echo "dumps: $n files byte-identical"

# The Arm run's trace replays to the same report (the emulated CPU's
# figures included) and the same dumps.
if "$m" replay "$work/arm.trace" -q --json "$work/replay.json" --dump-layers "$work/replay" >"$work/replay.out" 2>&1 &&
   cmp -s "$work/arm.json" "$work/replay.json" && diff -rq "$work/arm" "$work/replay" >/dev/null; then
  echo "replay of the Arm run's trace: report and dumps byte-identical"
else
  cat "$work/replay.out"; echo "FAIL: the replay of the Arm run's trace differs from the run"; fail=1
fi

# A layer fed through the FIFOs while the CNN runs (streaming input) waits
# for the CPU's loader: its stall cycles depend on how fast the CPU loop
# is, which differs between the host cost table and the instruction-level
# CPU.  Every layer's cycles less its stall cycles must agree, and plain
# cycles wherever neither run stalled.
hc=$("$jg" "$work/host.json" inference.cycles) ac=$("$jg" "$work/arm.json" inference.cycles)
echo "CNN cycles: host $hc, arm $ac"
i=0 dstall=0
while h=$("$jg" "$work/host.json" layers.$i.cycles 2>/dev/null); do
  a=$("$jg" "$work/arm.json" layers.$i.cycles)
  hs=$("$jg" "$work/host.json" layers.$i.stall_cycles) as=$("$jg" "$work/arm.json" layers.$i.stall_cycles)
  [ $i -lt 2 ] && echo "layer $i: cycles host $h arm $a, stall cycles host $hs arm $as"
  [ $((h - hs)) -eq $((a - as)) ] || { echo "FAIL: layer $i cycles less stalls: host $((h - hs)), arm $((a - as))"; fail=1; }
  dstall=$((dstall + as - hs))
  i=$((i + 1))
done
if [ "$dstall" -eq 0 ]; then
  [ "$hc" = "$ac" ] || { echo "FAIL: inference cycles differ"; fail=1; }
else
  echo "inference cycles differ by $((ac - hc)): the FIFO stall cycles differ by $dstall (CPU loader speed)"
  [ $((ac - hc)) -eq "$dstall" ] || { echo "FAIL: the difference is not the stalls'"; fail=1; }
fi
echo "layers compared: $i"
# The loaders' executed instructions plus the CNN window's wait states
# must give the board's weight-loading rate (anchors: ~14 MB/s).
wr=$("$jg" "$work/arm.json" loading.weights.mb_per_s)
if awk -v r="$wr" 'BEGIN { exit !(r >= 12 && r <= 16) }'; then
  echo "arm weight loading $wr MB/s within 12-16 (anchors: ~14 MB/s)"
else
  echo "FAIL: arm weight loading '$wr' MB/s outside 12-16 (anchors: ~14 MB/s)"; fail=1
fi
hw=$("$jg" "$work/host.json" inference.wall_us) aw=$("$jg" "$work/arm.json" inference.wall_us)
echo "inference as the CPU sees it: host $hw us, arm $aw us"
grep -h 'inference time' "$work/arm.out" | sed 's/^/arm printed: /'
grep -h 'max78sim-arm:' "$work/arm.err"
if [ -n "$tmin" ]; then
  t=$(sed -n 's/.*inference time: \([0-9]*\) us.*/\1/p' "$work/arm.out" | head -1)
  if [ -z "$t" ] || [ "$t" -lt "$tmin" ] || [ "$t" -gt "$tmax" ]; then
    echo "FAIL: printed inference time '${t}' us outside $tmin-$tmax us"; fail=1
  else
    echo "printed inference time $t us within $tmin-$tmax us"
  fi
fi
exit $fail

#!/usr/bin/env bash
# max78sim capture: for mnist, N = 0..4, the generated project (vendor
# files copied byte for byte, main.c kept as vendor_main.inc) builds and
# runs against the shim, and compare finds every value of layer N in its
# console output, all equal to the simulation's.  A layer that does not
# exist, a non-empty OUTDIR and a project that is not the synthesizer's
# are errors (exit 2).
# usage: capture_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
fw=$corpus/mnist/firmware
[ -d "$fw" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
jnum() { grep -o "\"$1\":[[:space:]]*-\?[0-9]*" "$2" | head -1 | grep -o -- '-\?[0-9]*$'; }

# every layer's value count, from the simulator's own dump of a full run
"$m" run "$fw" --quiet --no-table --dump-layers "$work/full" >/dev/null 2>&1 || { echo "FAIL: mnist run"; exit 1; }
for n in 0 1 2 3 4; do
  cap=$work/cap$n
  if ! "$m" capture "$fw" --stop-after $n -o "$cap" >/dev/null 2>"$work/err$n"; then
    echo "FAIL: N=$n: capture: $(cat "$work/err$n")"; fail=1; continue
  fi
  for f in "$fw"/*; do
    b=$(basename "$f"); [ "$b" = main.c ] && b=vendor_main.inc
    cmp -s "$f" "$cap/$b" || { echo "FAIL: N=$n: $b is not a byte-for-byte copy"; fail=1; }
  done
  "$m" run "$cap" --no-table >"$work/log$n" 2>"$work/runerr$n"; rc=$?
  if [ $rc -ne 0 ] || ! grep -q '^\*\*\* CAPTURE DONE \*\*\*' "$work/log$n"; then
    echo "FAIL: N=$n: the capture firmware exits $rc: $(tail -2 "$work/runerr$n")"; fail=1; continue
  fi
  "$m" compare "$fw" --device "$work/log$n" --json "$work/c$n.json" >"$work/c$n.txt" 2>&1; rc=$?
  # values of layer N: C*H*W from the shape in the full run's layers.json
  shape=$(tr -d '\n\t ' <"$work/full/layers.json" | grep -o "\"index\":$n,\"file\":\"[^\"]*\",\"shape_chw\":\[[0-9,]*\]" | sed 's/.*\[//; s/\]//')
  want=$(( $(echo "$shape" | tr ',' '*') ))
  got=$(jnum compared "$work/c$n.json")
  idx=$(tr -d '\n\t ' <"$work/c$n.json" | grep -o '"layers":\[{"index":[0-9]*' | grep -o '[0-9]*$')
  nl=$(tr -d '\n\t ' <"$work/c$n.json" | grep -o '"index":' | wc -l)
  if [ $rc -ne 0 ] || [ "$got" != "$want" ] || [ "$idx" != "$n" ] || [ "$nl" -ne 1 ]; then
    echo "FAIL: N=$n: compare exit $rc, $got values of layer(s) starting at $idx ($nl layers), want all $want of layer $n"
    fail=1
  else
    echo "ok: N=$n: the capture prints all $got values of layer $n ($shape), identical to the simulation"
  fi
done

expect2() { # what, command...: exit 2 and a message
  local what=$1; shift
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -ne 2 ] || ! printf '%s' "$err" | grep -q '^max78sim: '; then echo "FAIL: $what: exit $rc: $err"; fail=1
  else echo "ok: $what -> $(printf '%s\n' "$err" | grep '^max78sim: ' | tail -1)"; fi
}
expect2 "layer 5 of a 5-layer network" "$m" capture "$fw" --stop-after 5 -o "$work/cap5"
[ -e "$work/cap5" ] && { echo "FAIL: a failed capture left $work/cap5"; fail=1; }
expect2 "OUTDIR not empty" "$m" capture "$fw" --stop-after 1 -o "$work/cap0"
expect2 "no --stop-after or --unload" "$m" capture "$fw" -o "$work/capx"
mkdir -p "$work/notvendor" && cp "$fw"/*.h "$fw"/cnn.c "$fw"/softmax.c "$work/notvendor/"
printf '#include <stdint.h>\n#include "cnn.h"\nvolatile uint32_t cnn_time;\nint main(void) { return 0; }\n' >"$work/notvendor/main.c"
expect2 "a main.c that is not the synthesizer's" "$m" capture "$work/notvendor" --stop-after 0 -o "$work/capy"
exit $fail

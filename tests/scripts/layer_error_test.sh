#!/usr/bin/env bash
# A layer the simulator cannot execute is a named, counted error, never a
# silent wrong answer: a copy of mnist whose layer 4 sets a 1-D kernel
# width without 1-D mode (ONED = 0x200) must exit 1, name the layer and
# the register, and count it in the JSON report.
# usage: layer_error_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -f "$corpus/mnist/firmware/cnn.c" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cp -r "$corpus/mnist/firmware" "$work/fw"
sed -i 's|\*((volatile uint32_t \*) 0x50100120) = 0x00000100;|*((volatile uint32_t *) 0x50100120) = 0x00000200;|' "$work/fw/cnn.c"
grep -q '0x50100120) = 0x00000200' "$work/fw/cnn.c" || { echo "FAIL: could not prepare the fixture"; exit 1; }
err=$("$m" run "$work/fw" --quiet --no-table --json "$work/r.json" 2>&1 >/dev/null); rc=$?
echo "  $err"
fail=0
[ $rc -eq 1 ] || { echo "FAIL: exit $rc, want 1"; fail=1; }
printf '%s' "$err" | grep -q 'layer 4: ONED' || { echo "FAIL: the message does not name layer 4 and ONED"; fail=1; }
grep -qE '"layer_errors":[[:space:]]*1' "$work/r.json" || { echo "FAIL: counters.layer_errors is not 1"; fail=1; }
[ $fail -eq 0 ] && echo "ok: the undecodable layer is named and counted"
exit $fail

#!/usr/bin/env bash
# The two corpus cases whose expected data no register-level model can
# produce (tests/kat_cases.txt says why) must fail the way the board would,
# with a message that says why.
# usage: izer_inconsistent_test.sh MAX78SIM CORPUS_DIR
set -u
m=$1 corpus=$2
[ -d "$corpus/t-multilayer-eltwise/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
fail=0

# FIFOs 0-2 enabled, only FIFO 0 fed: layer 0 waits for FIFO 1 forever.
err=$("$m" run "$corpus/t-fifostream-group-notvga64x48-hwc/firmware" --quiet --no-table --max-cycles 5000000 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 2 ] && printf '%s' "$err" | grep -q 'waiting for its input: FIFO 1 received 0 of the 3072 words'; then
  echo "ok: t-fifostream-group-notvga64x48-hwc stalls on FIFO 1: $err"
else
  echo "FAIL: t-fifostream-group-notvga64x48-hwc: exit $rc, stderr: $err"; fail=1
fi

# Layer 1 adds neighbouring words as its registers say; izer's check fails.
out=$("$m" run "$corpus/t-multilayer-eltwise/firmware" --no-table 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'Data mismatch' && printf '%s' "$out" | grep -q '\*\*\* FAIL \*\*\*'; then
  echo "ok: t-multilayer-eltwise fails the firmware's own check ($(printf '%s\n' "$out" | grep -c 'Data mismatch') mismatch line(s))"
else
  echo "FAIL: t-multilayer-eltwise: exit $rc"; printf '%s\n' "$out" | tail -5; fail=1
fi
exit $fail

#!/usr/bin/env bash
# Firmware bugs found by running the ELF, reported as findings:
# - svhn_tinierssd's cnn_unload writes past the end of its 176-byte
#   ml_data32: one guest error naming the function, the PC, the object,
#   its size and the bytes written past it (25,500 bytes unloaded);
# - t-mlp12to2 and t-conv2dk1x1 lose the CNN interrupt between main's
#   test of cnn_time and the WFI: "sleeps forever" with the PC, the
#   function and the missed event, exit 1, in well under a second of
#   host CPU time (no time-out);
# - mnist has no finding; the host shim says, for t-mlp12to2, that the
#   interrupt was due before the sleep (what it cannot show).
# usage: arm_findings_test.sh MAX78SIM MAX78SIM_ARM CORPUS_DIR WORKDIR
set -u
m=$1 emu=$2 corpus=$3 work=$4
for c in svhn_tinierssd t-mlp12to2 t-conv2dk1x1 mnist; do
  [ -d "$corpus/$c/firmware" ] || { echo "no corpus case $c"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
fail=0
for c in svhn_tinierssd t-mlp12to2 t-conv2dk1x1 mnist; do
  "$m" build "$corpus/$c/firmware" -o "$work/$c.elf" -q >"$work/$c.build" 2>&1 || { cat "$work/$c.build"; exit 1; }
done

"$m" run --elf "$work/svhn_tinierssd.elf" --no-table >"$work/svhn.out" 2>"$work/svhn.err"
re='out-of-bounds write: cnn_unload \(PC 0x1[0-9a-f]{7}\) wrote 25324 bytes past the end of ml_data32 \(176 bytes at 0x2[0-9a-f]{7}\)'
grep -qE "$re" "$work/svhn.err" || { echo "FAIL: svhn_tinierssd: no overrun finding: $(cat "$work/svhn.err")"; fail=1; }
echo "svhn_tinierssd: $(grep -m1 'out-of-bounds' "$work/svhn.err")"

for c in t-mlp12to2 t-conv2dk1x1; do
  TIMEFORMAT='%U %S'
  { time "$emu" "$work/$c.elf" >"$work/$c.out" 2>"$work/$c.err"; rc=$?; } 2>"$work/$c.time"
  cpu=$(awk '{print $1 + $2}' "$work/$c.time")
  re='sleeps forever: WFI at PC 0x1[0-9a-f]{7} in MXC_LP_EnterSleepMode \(from main\), interrupts enabled, .*missed event: the CNN interrupt, taken at PC 0x1[0-9a-f]{7} in [A-Za-z_]+ [0-9]+ cycles before \(lost wake-up\)'
  [ "$rc" -eq 1 ] && grep -qE "$re" "$work/$c.err" && awk -v t="$cpu" 'BEGIN { exit !(t < 1.0) }' ||
    { echo "FAIL: $c: max78sim-arm exit $rc after $cpu s CPU: $(cat "$work/$c.err")"; fail=1; }
  "$m" run --elf "$work/$c.elf" --no-table -q >"$work/$c.run" 2>&1
  rc=$?
  [ "$rc" -eq 1 ] && grep -q 'sleeps forever' "$work/$c.run" || { echo "FAIL: $c: run --elf exit $rc: $(cat "$work/$c.run")"; fail=1; }
  echo "$c: exit $rc, ${cpu} s CPU: $(grep -o 'sleeps forever.*' "$work/$c.run")"
done

"$m" run --elf "$work/mnist.elf" --no-table -q >"$work/mnist.out" 2>&1 || { echo "FAIL: mnist: $(cat "$work/mnist.out")"; fail=1; }
! grep -q 'out-of-bounds\|sleeps forever' "$work/mnist.out" || { echo "FAIL: mnist: a finding: $(cat "$work/mnist.out")"; fail=1; }

"$m" run "$corpus/t-mlp12to2/firmware" --no-table >"$work/host.out" 2>"$work/host.err"
rc=$?
[ $rc -eq 0 ] && grep -q 'note: the CNN interrupt was due before MXC_LP_EnterSleepMode' "$work/host.err" ||
  { echo "FAIL: host t-mlp12to2: exit $rc, no note: $(cat "$work/host.err")"; fail=1; }
echo "host t-mlp12to2: exit $rc; $(grep -o 'note:.*' "$work/host.err" | cut -c1-90)..."
exit $fail

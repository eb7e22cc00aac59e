#!/usr/bin/env bash
# The emulator's own test programs (tests/arm): selftest (UART, SysTick
# counting and interrupt waking WFI, a device interrupt that must return
# the caller-saved registers from its frame on an 8-byte aligned stack)
# passes; a semihosting exit status comes back as the firmware's status;
# an idle loop after PASS ends the run with status 0 and says so;
# accesses to unmodelled peripherals and stores to flash are counted guest
# errors in the report, not the end of the run.
# usage: arm_selftest_test.sh MAX78SIM JSON_GET PROGS_DIR WORKDIR
set -u
m=$1 jg=$2 progs=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail=0

"$m" run --elf "$progs/selftest.elf" --json "$work/self.json" --no-table >"$work/out" 2>"$work/err"
rc=$?
cat "$work/out"
for want in 'uart ok' 'systick countflag ok' 'wfi woken by systick ok' 'exception entry/return ok' '\*\*\* PASS \*\*\*'; do
  grep -q "$want" "$work/out" || { echo "FAIL: selftest did not print '$want'"; fail=1; }
done
[ $rc -eq 0 ] || { echo "FAIL: selftest exit $rc: $(cat "$work/err")"; fail=1; }
[ "$("$jg" "$work/self.json" stop.exit_code)" = 0 ] || { echo "FAIL: report exit code"; fail=1; }

"$m" run --elf "$progs/exit7.elf" --no-table >"$work/out" 2>"$work/err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q 'firmware exited with status 7' "$work/err"; then
  echo "FAIL: exit7: exit $rc, $(cat "$work/err")"; fail=1
else
  echo "ok: semihosting exit status 7 reported: $(cat "$work/err")"
fi

"$m" run --elf "$progs/fault4.elf" --json "$work/idle.json" --no-table >"$work/out" 2>"$work/err"
rc=$?
d=$("$jg" "$work/idle.json" stop.detail)
if [ $rc -ne 0 ] || ! echo "$d" | grep -q 'idle loop at 0x1000'; then
  echo "FAIL: idle loop: exit $rc, detail '$d', $(cat "$work/err")"; fail=1
else
  echo "ok: idle loop ends the run with status 0 ($d)"
fi
# guest errors are counted in the report and do not stop the run
"$m" run --elf "$progs/fault5.elf" --json "$work/ge.json" --no-table >"$work/out" 2>"$work/err"
rc=$?
n=$("$jg" "$work/ge.json" cpu.guest_errors) first=$("$jg" "$work/ge.json" cpu.first_error)
if [ $rc -ne 0 ] || [ "$n" != 2 ] || ! echo "$first" | grep -q 'SIMO at 0x40004400' ||
  ! grep -q 'write to flash at 0x10000100 ignored' "$work/err"; then
  echo "FAIL: guest errors: exit $rc, count '$n', first '$first', $(cat "$work/err")"; fail=1
else
  echo "ok: $n guest errors counted, first: $first"
fi
exit $fail

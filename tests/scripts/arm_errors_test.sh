#!/usr/bin/env bash
# `max78sim run --elf` refuses a bad ELF and stops a faulting program
# with exit 2 and a message naming the address: not an ELF, a truncated
# header, the wrong machine, a segment outside the MAX78000's memory, a
# reset vector outside flash, an unmapped read, an undefined instruction,
# a jump into unmapped memory.  max78sim-arm alone gives its documented
# exit statuses (6 bad ELF, 5 guest fault).
# usage: arm_errors_test.sh MAX78SIM MAX78SIM_ARM PROGS_DIR WORKDIR
set -u
m=$1 emu=$2 progs=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail=0

expect() { # NAME REGEX FILE
  "$m" run --elf "$3" --no-table >"$work/out" 2>"$work/err"
  local rc=$?
  if [ $rc -ne 2 ]; then
    echo "FAIL: $1: exit $rc, expected 2: $(cat "$work/err")"; fail=1
  elif ! grep -qE "$2" "$work/err"; then
    echo "FAIL: $1: message does not match /$2/: $(cat "$work/err")"; fail=1
  else
    echo "ok: $1: $(tail -1 "$work/err")"
  fi
}

printf 'hello, not an ELF\n' >"$work/text.elf"
expect "not an ELF" 'bad magic at offset 0' "$work/text.elf"
head -c 30 "$progs/selftest.elf" >"$work/short.elf"
expect "truncated header" 'truncated ELF header' "$work/short.elf"
cp "$progs/selftest.elf" "$work/x86.elf" && printf '\076\000' | dd of="$work/x86.elf" bs=1 seek=18 conv=notrunc 2>/dev/null
expect "wrong machine" 'e_machine at offset 18 is 62' "$work/x86.elf"
# first program header's p_paddr (e_phoff is at 28; p_paddr at +12) moved to 0x30000000
cp "$progs/selftest.elf" "$work/far.elf"
phoff=$(od -An -tu4 -j28 -N4 "$work/far.elf" | tr -d ' ')
printf '\000\000\000\060' | dd of="$work/far.elf" bs=1 seek=$((phoff + 12)) conv=notrunc 2>/dev/null
expect "segment outside memory" 'load address range 0x30000000-.* is not inside flash or SRAM' "$work/far.elf"
expect "reset vector outside flash" 'reset vector 0x00400001 \(word at 0x10000004\)' "$progs/badvec.elf"
expect "unmapped read" 'read of unmapped address 0x60000010 .*PC 0x100000[0-9a-f]{2}' "$progs/fault1.elf"
expect "undefined instruction" 'undefined instruction at PC 0x100000[0-9a-f]{2}' "$progs/fault2.elf"
expect "jump into nothing" 'instruction fetch from unmapped address 0x30000000' "$progs/fault3.elf"
expect "missing file" 'No such file' "$work/nope.elf"

"$m" run --elf "$progs/selftest.elf" "$progs" >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q 'give no DIR' "$work/err" || { echo "FAIL: --elf with a DIR: $(cat "$work/err")"; fail=1; }
"$m" run "$progs" --arch riscv >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q 'host or arm' "$work/err" || { echo "FAIL: --arch riscv: $(cat "$work/err")"; fail=1; }

"$emu" "$work/text.elf" >/dev/null 2>&1
[ $? -eq 6 ] || { echo "FAIL: max78sim-arm on a bad ELF: exit not 6"; fail=1; }
"$emu" "$progs/fault1.elf" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 5 ] && grep -q 0x60000010 "$work/err" || { echo "FAIL: max78sim-arm on a fault: exit $rc"; fail=1; }
exit $fail

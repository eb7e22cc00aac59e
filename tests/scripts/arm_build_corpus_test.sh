#!/usr/bin/env bash
# Every corpus firmware builds for the Cortex-M4 with `max78sim build`
# (two builds at a time), and each ELF is checked with the Arm binutils,
# independently of max78sim's own check: ELF32 Arm executable, initial
# stack pointer inside SRAM (0x2000_0000, 128 KiB) and 8-byte aligned,
# reset vector a Thumb address inside flash (0x1000_0000, 512 KiB).  The
# vendor files must be byte-identical before and after (sha256).  Prints
# the largest flash and SRAM use.
#
# Three burn-in feature tests cannot exist on a MAX78000: their 64x64x64
# sample input and expected output (819 KB of headers each) exceed the
# 512 KiB flash, and their unload buffer the 128 KiB SRAM.  For them the
# linker must refuse (exit 3, "overflowed"); any other outcome fails.
# usage: arm_build_corpus_test.sh MAX78SIM CORPUS_DIR WORKDIR [CASE...]
set -u
m=$1 corpus=$2 work=$3
shift 3
[ -d "$corpus/mnist/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
command -v arm-none-eabi-objcopy >/dev/null || { echo "FAIL: arm-none-eabi-objcopy (binutils-arm-none-eabi) missing"; exit 1; }
rm -rf "$work" && mkdir -p "$work/elf" "$work/log"
if [ $# -gt 0 ]; then cases=("$@"); else
  cases=(); for d in "$corpus"/*/firmware; do cases+=("$(basename "$(dirname "$d")")"); done
fi
(cd "$corpus" && for c in "${cases[@]}"; do sha256sum "$c"/firmware/*; done) >"$work/before.sha256"

start=$(date +%s)
printf '%s\n' "${cases[@]}" |
  xargs -P 2 -I{} sh -c '"$1" build "$2/{}/firmware" -o "$3/elf/{}.elf" >"$3/log/{}.out" 2>&1; echo $? >"$3/log/{}.rc"' \
    _ "$m" "$corpus" "$work"
end=$(date +%s)

too_big=" t-burnin_64x64x64 t-burnin-rand_64x64x64 t-readahead-burnin-random "
fail=0 nbuilt=0 nrefused=0 maxflash=0 maxflash_case= maxsram=0 maxsram_case=
for c in "${cases[@]}"; do
  rc=$(cat "$work/log/$c.rc" 2>/dev/null || echo none)
  elf=$work/elf/$c.elf
  if [[ "$too_big" == *" $c "* ]]; then
    if [ "$rc" = 3 ] && grep -q "region .FLASH' overflowed" "$work/log/$c.out" && [ ! -e "$elf" ]; then
      nrefused=$((nrefused + 1))
    else
      echo "FAIL: $c: expected the linker to refuse it (exit 3, FLASH overflow, no ELF); exit $rc"; fail=1
    fi
    continue
  fi
  if [ "$rc" != 0 ]; then echo "FAIL: $c: build exit $rc:"; sed 's/^/    /' "$work/log/$c.out" | head -20; fail=1; continue; fi
  [ -f "$elf" ] || { echo "FAIL: $c: exit 0 but no ELF"; fail=1; continue; }
  hdr=$(od -An -tx1 -N20 "$elf" | tr -d ' \n')
  # magic, ELFCLASS32, little endian, ET_EXEC (2), EM_ARM (0x28)
  [ "${hdr:0:12}" = 7f454c460101 ] && [ "${hdr:32:4}" = 0200 ] && [ "${hdr:36:4}" = 2800 ] ||
    { echo "FAIL: $c: not an ELF32 little-endian Arm executable ($hdr)"; fail=1; continue; }
  arm-none-eabi-objcopy -O binary -j .isr_vector "$elf" "$work/vt.bin" 2>"$work/objcopy.err" ||
    { echo "FAIL: $c: no .isr_vector: $(cat "$work/objcopy.err")"; fail=1; continue; }
  read -r sp rv < <(od -An -tu4 -N8 "$work/vt.bin")
  vma=$(arm-none-eabi-objdump -h "$elf" | awk '$2==".isr_vector"{print $4}')
  [ "$vma" = 10000000 ] || { echo "FAIL: $c: .isr_vector at 0x$vma, not at the start of flash"; fail=1; continue; }
  if [ "$sp" -le $((0x20000000)) ] || [ "$sp" -gt $((0x20020000)) ] || [ $((sp % 8)) -ne 0 ]; then
    echo "FAIL: $c: initial SP $(printf 0x%08x "$sp") not an aligned address in SRAM"; fail=1; continue
  fi
  if [ $((rv & 1)) -ne 1 ] || [ "$rv" -lt $((0x10000000)) ] || [ "$rv" -ge $((0x10080000)) ]; then
    echo "FAIL: $c: reset vector $(printf 0x%08x "$rv") not a Thumb address in flash"; fail=1; continue
  fi
  flash=$(sed -n 's/^flash \([0-9]*\) of.*/\1/p' "$work/log/$c.out")
  sram=$(sed -n 's/.*SRAM \([0-9]*\) of.*/\1/p' "$work/log/$c.out")
  [ -n "$flash" ] && [ -n "$sram" ] || { echo "FAIL: $c: no size summary"; fail=1; continue; }
  nbuilt=$((nbuilt + 1))
  [ "$flash" -gt "$maxflash" ] && { maxflash=$flash; maxflash_case=$c; }
  [ "$sram" -gt "$maxsram" ] && { maxsram=$sram; maxsram_case=$c; }
done

(cd "$corpus" && sha256sum --quiet -c "$work/before.sha256") >"$work/after.txt" 2>&1 ||
  { echo "FAIL: vendor files changed during the builds:"; cat "$work/after.txt"; fail=1; }

echo "built ${#cases[@]} cases in $((end - start)) s (2 at a time)"
echo "largest flash use: $maxflash bytes ($maxflash_case), largest SRAM use: $maxsram bytes ($maxsram_case)"
[ $fail -eq 0 ] && echo "ok: $nbuilt ELFs with valid vector tables, $nrefused too big for the chip refused; vendor files unchanged"
exit $fail

#!/usr/bin/env bash
# Malformed device data and bad options: one clear line naming the file
# and the line or byte offset that is wrong, and exit 2.  (Format errors
# stop compare before it simulates; a wrongly sized output buffer is
# found once the simulation says what the last layer holds.)
# usage: compare_errors_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
fw=$corpus/mnist/firmware
[ -d "$fw" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
# expect2 WHAT PATTERN command...: exit 2 and a max78sim: line matching PATTERN
expect2() {
  local what=$1 pat=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  local line; line=$(printf '%s\n' "$err" | grep '^max78sim: ' | tail -1)
  if [ $rc -ne 2 ] || ! printf '%s' "$line" | grep -qE -- "$pat"; then
    echo "FAIL: $what: exit $rc, wanted /$pat/: $err"; fail=1
  else echo "ok: $what -> $line"; fi
}

# good data to spoil: a final data memory and a capture of layer 3
"$m" run "$fw" --quiet --no-table --dump-layers "$work/d" >/dev/null 2>&1 || { echo "FAIL: mnist run"; exit 1; }
"$m" capture "$fw" --stop-after 3 -o "$work/cap" >/dev/null && "$m" run "$work/cap" --no-table >"$work/cap.log" 2>/dev/null \
  || { echo "FAIL: capture of layer 3"; exit 1; }
c="$m compare $fw"

head -c 100000 "$work/d/sram.bin" >"$work/short.bin"
expect2 "truncated binary dump" 'short.bin: binary dump of 100000 bytes: expected 131072.*truncated' $c --device "$work/short.bin"
head -c 131072 "$work/d/sram.bin" >"$work/quadrant.bin"
expect2 "one quadrant without its address" 'quadrant.bin: a 128 KiB dump of one quadrant, but its name does not say which' $c --device "$work/quadrant.bin"
expect2 "dump running past its quadrant" 'run past the end of that quadrant' $c --device "$work/quadrant.bin@0x50810000"
expect2 "a dump address outside data memory" 'is not in CNN data memory' $c --device "$work/quadrant.bin@0x50000000"
head -c 1002 "$work/d/sram.bin" >"$work/odd.bin"
expect2 "dump of a partial word" 'not a whole number of aligned 32-bit words' $c --device "$work/odd.bin@0x50400000"

sed '6s/ \([0-9a-f]\{8\}\)$/ 0000zz00/' "$work/cap.log" >"$work/nothex.log"
expect2 "a word that is not hex" 'nothex.log:6: not a hex word: .0000zz00.' $c --device "$work/nothex.log"
head -n -3 "$work/cap.log" >"$work/cut.log"
expect2 "capture log cut short" 'cut.log: the capture block of line [0-9]+ has no end line \(truncated' $c --device "$work/cut.log"
sed '6d' "$work/cap.log" >"$work/gap.log"
expect2 "capture log missing a line" 'gap.log:[0-9]+: capture block of line [0-9]+ announced [0-9]+ words but holds' $c --device "$work/gap.log"
printf 'Waiting...\n0x60000000: 00000000 00000000\n' >"$work/addr.log"
expect2 "an address outside data memory" 'addr.log:2: address 0x60000000 is not a word of CNN data memory' $c --device "$work/addr.log"
printf 'Data mismatch (1/4) at address 0x50401000: Expected 0x1234, read\n' >"$work/dm.log"
expect2 "an unreadable Data mismatch line" 'dm.log:1: cannot read this Data mismatch line' $c --device "$work/dm.log"

printf 'fffecf58 00016cc1 0000b1ac 0000749a ffff7268\nfffe0062 fffbd7f1 00065b68 fffdbad1\n' >"$work/nine.hex"
expect2 "output buffer one word short" 'nine.hex: 9 values, but cnn_unload\(\) writes 10 32-bit values: truncated' $c --device "$work/nine.hex"
printf 'fffecf58 00016cc1 0000b1ac 0000749a ffff7268\nfffe0062 fffbd7f1 0x00065g68 fffdbad1 000061f1\n' >"$work/bad.hex"
expect2 "output buffer with a bad token" 'bad.hex:2: not a hex word or a decimal number: .0x00065g68.' $c --device "$work/bad.hex"
printf '0x1, 2, 3\n' >"$work/mixed.csv"
expect2 "hex and decimal mixed" 'mixed.csv: mixes hex words \(line 1\) and decimal values \(line 1\)' $c --device "$work/mixed.csv"
: >"$work/empty.txt"
expect2 "an empty file" 'empty.txt: empty file' $c --device "$work/empty.txt"
printf 'hello\n' >"$work/words.txt"
expect2 "text that is no device data" 'words.txt:1: not a hex word or a decimal number' $c --device "$work/words.txt"
# a passing run's console (issue 21): one line saying the log holds no device data
"$m" run "$fw" >"$work/pass.log" 2>&1 || { echo "FAIL: mnist run for its log"; exit 1; }
expect2 "a console log with no device data" '^max78sim: [^ ]*pass.log: a console log that holds no device data \(no Data mismatch lines' $c --device "$work/pass.log"
n=$($c --device "$work/pass.log" 2>&1 >/dev/null | wc -l)
[ "$n" -eq 1 ] || { echo "FAIL: the no-data log gives $n lines on stderr, wanted 1"; fail=1; }
expect2 "a missing file" 'missing.bin: No such file' $c --device "$work/missing.bin"
# two files that disagree about the same byte
sed -n '1,/^0x/p' "$work/cap.log" | tail -1 | sed 's/: \([0-9a-f]\{8\}\)/: 5a5a5a5a/' >"$work/other.log"
expect2 "two files that disagree" 'reads 0x.. here but 0x.. in' $c --device "$work/cap.log" --device "$work/other.log"

expect2 "no --device" 'no --device FILE given' $c
expect2 "--stop-after beyond the network" 'the network has 5 layers' $c --device "$work/d/sram.bin" --stop-after 9
expect2 "a fault of an unknown kind" 'fault bogus:x=1: unknown kind' $c --device "$work/d/sram.bin" --fault bogus:x=1
expect2 "a fault key out of range" 'inst=16 is out of range 0..15' "$m" run "$fw" --fault sram:inst=16,bit=3,value=1
expect2 "a fault missing a key" 'sram needs value=' "$m" run "$fw" --fault sram:inst=1,bit=3
expect2 "a fault with a bad number" 'delta: not a number' "$m" run "$fw" --fault shift:layer=1,delta=x
exit $fail

#!/usr/bin/env bash
# max78sim compare against a simulated faulty board, in the three device
# data formats, for three corpus networks.  The "device" is the same
# firmware run with --fault; compare (without the fault) must name the
# layer the fault was injected at and the memory instance / channel it
# hit, and report identical data (exit 0) when there is no fault.
#  - console log: a `max78sim capture --stop-after L` project run on the
#    faulty simulated board, its console saved;
#  - binary SRAM dump: the data memory that faulty capture run leaves
#    (sram.bin, laid out like four OpenOCD dump_image files), also split
#    into the four per-quadrant files; and the full network's dump;
#  - output buffer: a `max78sim capture --unload` project's hex words on
#    a board whose last layer is faulty, also as CSV of decimal values.
# usage: compare_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/mnist/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0

# jnum KEY FILE: the first number after "KEY": in a JSON file
jnum() { grep -o "\"$1\":[[:space:]]*-\?[0-9]*" "$2" | head -1 | grep -o -- '-\?[0-9]*$'; }
# jarr KEY FILE: the first array after "KEY": as "a,b,c"
jarr() { tr -d '\n\t ' < "$2" | grep -o "\"$1\":\[[^]]*\]" | head -1 | sed 's/.*\[//; s/\]//'; }

# expect_same WHAT RC JSON: identical, exit 0
expect_same() {
  if [ "$2" -ne 0 ] || ! grep -q '"identical":[[:space:]]*true' "$3"; then
    echo "FAIL: $1: exit $2, not identical"; fail=1
  else
    echo "ok: $1: identical ($(jnum compared "$3") values)"
  fi
}

# expect_diff WHAT RC JSON LAYER [instance=I] [channels=1] [bit=B]
expect_diff() {
  local what=$1 rc=$2 j=$3 layer=$4; shift 4
  local got; got=$(jnum layer "$j")
  local bad=""
  [ "$rc" -eq 1 ] || bad="$bad exit $rc;"
  [ "$got" = "$layer" ] || bad="$bad first diverging layer '$got', not $layer;"
  local note="layer $got"
  for c in "$@"; do
    case $c in
      instance=*) local i; i=$(jarr instances "$j"); [ "$i" = "${c#instance=}" ] || bad="$bad instances '$i', not ${c#instance=};"
                  note="$note, instance $i";;
      channel=*) local n; n=$(jarr channels "$j"); [ "$n" = "${c#channel=}" ] || bad="$bad channels '$n', not ${c#channel=};"
                 note="$note, channel $n";;
      bit=*) local b; b=$(jnum single_bit "$j"); [ "$b" = "${c#bit=}" ] || bad="$bad bit '$b', not ${c#bit=};"
             note="$note, bit $b stuck at $(jnum stuck_at "$j")";;
    esac
  done
  if [ -n "$bad" ]; then echo "FAIL: $what:$bad"; fail=1
  else echo "ok: $what: $note ($(jnum mismatches "$j") of $(jnum compared "$j") values differ)"; fi
}

# one case: NAME LAYER SRAM-FAULT KERNEL-FAULT KERNEL-CHANNEL LAST-LAYER LAST-INST LAST-BIT
run_case() {
  local name=$1 L=$2 sram_fault=$3 kernel_fault=$4 kchan=$5 last=$6 last_inst=$7 last_bit=$8
  local fw=$corpus/$name/firmware w=$work/$name
  mkdir -p "$w"
  local inst=${sram_fault#*inst=}; inst=${inst%%,*}
  local bit=${sram_fault#*bit=}; bit=${bit%%,*}

  # --- console log of a capture of layer L ---
  "$m" capture "$fw" --stop-after "$L" -o "$w/cap" >/dev/null || { echo "FAIL: $name: capture"; fail=1; return; }
  "$m" run "$w/cap" --no-table --dump-layers "$w/good" >"$w/good.log" 2>"$w/good.err"; rc=$?
  [ $rc -eq 0 ] || { echo "FAIL: $name: capture run exit $rc: $(tail -2 "$w/good.err")"; fail=1; }
  "$m" compare "$fw" --device "$w/good.log" --json "$w/c1.json" >"$w/c1.txt" 2>&1; expect_same "$name log, no fault" $? "$w/c1.json"
  "$m" run "$w/cap" --no-table --fault "$sram_fault" --dump-layers "$w/bad" >"$w/bad.log" 2>/dev/null
  "$m" compare "$fw" --device "$w/bad.log" --json "$w/c2.json" >"$w/c2.txt" 2>&1
  expect_diff "$name log, $sram_fault" $? "$w/c2.json" "$L" "instance=$inst" "bit=$bit"
  "$m" run "$w/cap" --no-table --fault "$kernel_fault" >"$w/kbad.log" 2>/dev/null
  "$m" compare "$fw" --device "$w/kbad.log" --json "$w/c3.json" >"$w/c3.txt" 2>&1
  expect_diff "$name log, $kernel_fault" $? "$w/c3.json" "$L" "channel=$kchan"
  "$m" run "$w/cap" --no-table --fault "shift:layer=$L,delta=1" >"$w/sbad.log" 2>/dev/null
  "$m" compare "$fw" --device "$w/sbad.log" --json "$w/c4.json" >"$w/c4.txt" 2>&1
  expect_diff "$name log, shift:layer=$L,delta=1" $? "$w/c4.json" "$L"

  # --- binary SRAM dumps ---
  "$m" compare "$fw" --stop-after "$L" --device "$w/good/sram.bin" --json "$w/b1.json" >"$w/b1.txt" 2>&1
  expect_same "$name SRAM dump after layer $L, no fault" $? "$w/b1.json"
  "$m" compare "$fw" --stop-after "$L" --device "$w/bad/sram.bin" --json "$w/b2.json" >"$w/b2.txt" 2>&1
  expect_diff "$name SRAM dump after layer $L, $sram_fault" $? "$w/b2.json" "$L" "instance=$inst" "bit=$bit"
  local q
  for q in 0 1 2 3; do
    dd if="$w/bad/sram.bin" of="$w/sram_$(printf '%08x' $((0x50400000 + q * 0x400000))).bin" bs=131072 skip=$q count=1 status=none
  done
  "$m" compare "$fw" --stop-after "$L" --device "$w/sram_50400000.bin" --device "$w/sram_50800000.bin" \
    --device "$w/sram_50c00000.bin" --device "$w/sram_51000000.bin" --json "$w/b3.json" >"$w/b3.txt" 2>&1
  expect_diff "$name four quadrant dumps, $sram_fault" $? "$w/b3.json" "$L" "instance=$inst" "bit=$bit"
  # the whole network, fault at layer L, dumped at the end
  "$m" run "$fw" --quiet --no-table --dump-layers "$w/full" >/dev/null 2>&1
  "$m" compare "$fw" --device "$w/full/sram.bin" --json "$w/b4.json" >"$w/b4.txt" 2>&1
  expect_same "$name final SRAM dump, no fault" $? "$w/b4.json"
  "$m" run "$fw" --quiet --no-table --fault "$sram_fault" --dump-layers "$w/fullbad" >/dev/null 2>&1
  "$m" compare "$fw" --device "$w/fullbad/sram.bin" --json "$w/b5.json" >"$w/b5.txt" 2>&1
  expect_diff "$name final SRAM dump, $sram_fault" $? "$w/b5.json" "$L" "instance=$inst" "bit=$bit"

  # --- output buffer (cnn_unload) ---
  "$m" capture "$fw" --unload -o "$w/unl" >/dev/null || { echo "FAIL: $name: capture --unload"; fail=1; return; }
  "$m" run "$w/unl" --no-table >"$w/unl.log" 2>/dev/null
  sed -n '/^max78sim capture: output buffer/,/^max78sim capture: end/p' "$w/unl.log" | sed '1d;$d' >"$w/out.hex"
  "$m" compare "$fw" --device "$w/out.hex" --json "$w/o1.json" >"$w/o1.txt" 2>&1
  expect_same "$name output buffer (hex), no fault" $? "$w/o1.json"
  tr -s ' \n' '\n' <"$w/out.hex" | grep . | while read -r h; do v=$((0x$h)); [ $v -ge 2147483648 ] && v=$((v - 4294967296)); echo "$v"; done | paste -sd, >"$w/out.csv"
  "$m" compare "$fw" --device "$w/out.csv" --json "$w/o2.json" >"$w/o2.txt" 2>&1
  expect_same "$name output buffer (CSV), no fault" $? "$w/o2.json"
  local lf="sram:inst=$last_inst,bit=$last_bit,value=1,layer=$last"
  "$m" run "$w/unl" --no-table --fault "$lf" >"$w/unlbad.log" 2>/dev/null
  sed -n '/^max78sim capture: output buffer/,/^max78sim capture: end/p' "$w/unlbad.log" | sed '1d;$d' >"$w/outbad.hex"
  "$m" compare "$fw" --device "$w/outbad.hex" --json "$w/o3.json" >"$w/o3.txt" 2>&1
  expect_diff "$name output buffer (hex), $lf" $? "$w/o3.json" "$last" "instance=$last_inst" "bit=$last_bit"
  tr -s ' \n' '\n' <"$w/outbad.hex" | grep . | while read -r h; do v=$((0x$h)); [ $v -ge 2147483648 ] && v=$((v - 4294967296)); echo "$v"; done | paste -sd, >"$w/outbad.csv"
  "$m" compare "$fw" --device "$w/outbad.csv" --json "$w/o4.json" >"$w/o4.txt" 2>&1
  expect_diff "$name output buffer (CSV), $lf" $? "$w/o4.json" "$last" "instance=$last_inst" "bit=$last_bit"
  # the vendor's own check on the faulty board: one Data mismatch line
  "$m" run "$fw" --no-table --fault "$lf" >"$w/check.log" 2>/dev/null
  "$m" compare "$fw" --device "$w/check.log" --json "$w/o5.json" >"$w/o5.txt" 2>&1
  expect_diff "$name Data mismatch line, $lf" $? "$w/o5.json" "$last" "instance=$last_inst"
}

# The kernel faults hit the centre tap (byte 4) of one kernel of layer L;
# its output channel follows from the layer's MCNT register in cnn.c
# (first kernel column sad/8, one 9-byte column per 3x3 kernel, three
# 3-tap 1-D kernels per column):
#  mnist    layer 2 MCNT 0x01e00398: kernels from column 60, column 66 -> channel 6
#  cifar-10 layer 5 MCNT 0x01200518: kernels from column 36, column 100 -> channel 64
#  kws20_v3 layer 3 MCNT 0x024003b8: kernel k at slots 3k..3k+2 from k = 72;
#           byte 4 of column 30 is slot 274 = 3*91 + 1 -> channel 91 - 72 = 19
# NAME LAYER SRAM-FAULT KERNEL-FAULT CHANNEL LAST-LAYER INSTANCE BIT (of the last layer)
run_case mnist 2 "sram:inst=5,bit=3,value=1,layer=2" "kernel:proc=16,col=66,byte=4,xor=0x80" 6 4 1 2
run_case cifar-10 5 "sram:inst=9,bit=12,value=1,layer=5" "kernel:proc=4,col=100,byte=4,xor=0x80" 64 10 1 2
run_case kws20_v3 3 "sram:inst=7,bit=17,value=1,layer=3" "kernel:proc=4,col=30,byte=4,xor=0x80" 19 8 2 2
exit $fail

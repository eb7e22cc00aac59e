#!/usr/bin/env bash
# gdb-multiarch against `max78sim run --elf mnist.elf --gdb 0`, in batch
# mode: a breakpoint at cnn_start is hit, `info registers` shows the PC
# there, `x/4xw 0x50400000` (and four words further on) shows the layer
# input of the corpus's sampledata.h, a watchpoint on ml_data[0] (the
# unloaded output) fires, `continue` ends with the firmware's PASS and
# exit 0, and the run's CPU and CNN cycles equal those of the run without
# gdb.  Then the bad cases: a busy port (exit 2, one message), malformed
# packets (E01 / '-' replies, the stub carries on), a client that
# disconnects while the target runs (the run continues to PASS).
# usage: arm_gdb_test.sh MAX78SIM JSON_GET CORPUS_DIR WORKDIR
set -u
m=$1 jg=$2 corpus=$3 work=$4
fw=$corpus/mnist/firmware
[ -d "$fw" ] || { echo "no corpus case at $fw"; exit 77; }
gdb=$(command -v gdb-multiarch || command -v arm-none-eabi-gdb) || { echo "no gdb-multiarch"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

"$m" build "$fw" -o "$work/mnist.elf" -q >"$work/build.out" 2>&1 || { cat "$work/build.out"; exit 1; }
"$m" run --elf "$work/mnist.elf" -q --no-table --json "$work/plain.json" >"$work/plain.out" 2>&1 ||
  { cat "$work/plain.out"; echo "FAIL: the run without gdb"; exit 1; }

# start NAME ARGS...: a run waiting for gdb; sets $port and $pid
start() {
  local name=$1
  shift
  "$m" run --elf "$work/mnist.elf" --gdb 0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*waiting for a debugger on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$name.err")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "FAIL: $name: no port announced: $(cat "$work/$name.err")"
  exit 1
}
# finish NAME: waits for the run (at most 60 s); sets $rc
finish() {
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: $1: the run did not end"
    kill "$pid"
    fail=1
  fi
  wait "$pid"
  rc=$?
}

# ---- the session ----
start session --json "$work/gdb.json"
cat >"$work/session.gdb" <<GDB
set pagination off
set confirm off
target remote :$port
break cnn_start
continue
info registers
x/4xw 0x50400000
x/4xw 0x50400190
stepi
watch ml_data[0]
continue
continue
GDB
timeout 120 "$gdb" -batch -nx -x "$work/session.gdb" "$work/mnist.elf" >"$work/gdb.log" 2>&1
finish session
[ $rc -eq 0 ] || { echo "FAIL: run --gdb exit $rc: $(cat "$work/session.err")"; fail=1; }
grep -q '^\*\*\* PASS \*\*\*' "$work/session.out" || { echo "FAIL: no *** PASS *** with gdb"; fail=1; }

bp=$(sed -n 's/^Breakpoint 1 at \(0x[0-9a-f]*\).*/\1/p' "$work/gdb.log")
grep -q '^Breakpoint 1, cnn_start ()' "$work/gdb.log" || { echo "FAIL: the breakpoint at cnn_start was not hit"; fail=1; }
pc=$(awk '$1 == "pc" {print $2; exit}' "$work/gdb.log")
[ -n "$bp" ] && [ "$pc" = "$bp" ] || { echo "FAIL: info registers: pc $pc, breakpoint at $bp"; fail=1; }
# the input words from sampledata.h: words 0-3 and 100-103
words=$(sed -n '/SAMPLE_INPUT_0/,/}/p' "$fw/sampledata.h" | grep -o '0x[0-9a-fA-F]\{8\}' | tr 'A-F' 'a-f')
want0=$(echo "$words" | sed -n '1,4p' | tr '\n' ' ')
want1=$(echo "$words" | sed -n '101,104p' | tr '\n' ' ')
got0=$(grep '^0x50400000:' "$work/gdb.log" | cut -d: -f2 | tr -s ' \t' ' ' | sed 's/^ //')
got1=$(grep '^0x50400190:' "$work/gdb.log" | cut -d: -f2 | tr -s ' \t' ' ' | sed 's/^ //')
[ "$got0" = "${want0% }" ] || { echo "FAIL: x/4xw 0x50400000: '$got0', sampledata.h '$want0'"; fail=1; }
[ "$got1" = "${want1% }" ] || { echo "FAIL: x/4xw 0x50400190: '$got1', sampledata.h '$want1'"; fail=1; }
grep -q '^Hardware watchpoint 2: ml_data\[0\]' "$work/gdb.log" && grep -q '^New value = ' "$work/gdb.log" ||
  { echo "FAIL: the watchpoint on ml_data[0] did not fire"; fail=1; }
grep -q 'exited normally' "$work/gdb.log" || { echo "FAIL: gdb did not see the program exit"; fail=1; }
for k in cpu.cycles cpu.instructions inference.start_cycle inference.cycles; do
  a=$("$jg" "$work/plain.json" "$k") b=$("$jg" "$work/gdb.json" "$k")
  [ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: $k: $a without gdb, $b with"; fail=1; }
done
echo "session: breakpoint at $bp, input words '$got0' / '$got1', cycles $("$jg" "$work/gdb.json" cpu.cycles) with and without gdb"
[ $fail -eq 0 ] || cat "$work/gdb.log"

# ---- a busy port: one clear error, exit 2 ----
start waiting
"$m" run --elf "$work/mnist.elf" --gdb "$port" --no-table >"$work/busy.out" 2>"$work/busy.err"
brc=$?
[ $brc -eq 2 ] && [ "$(wc -l <"$work/busy.err")" -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$work/busy.err" ||
  { echo "FAIL: busy port: exit $brc: $(cat "$work/busy.err")"; fail=1; }
echo "busy port: $(cat "$work/busy.err")"

# ---- malformed packets on the waiting run, then a disconnect while it runs ----
# pkt PAYLOAD: "$PAYLOAD#xx"
pkt() {
  local sum=0 b
  for b in $(printf '%s' "$1" | od -An -tu1 -v); do sum=$((sum + b)); done
  printf '$%s#%02x' "$1" $((sum % 256))
}
exec 3<>"/dev/tcp/127.0.0.1/$port"
{ pkt 'm5040000g,4'; pkt 'Z0,zz,2'; printf '$g#00'; pkt 'M20000000,4:0011'; pkt 'qXfer:features:read:nope.xml:0,10'; pkt 'm50400000,4'; } >&3
sleep 1
replies=$(timeout 2 dd bs=4096 count=1 <&3 2>/dev/null | tr -d '\n')
echo "malformed: replies $replies"
case "$replies" in
  *'$E01#a6'*'$E01#a6'*-*'$E01#a6'*'$E00#a5'*'$'[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'#'*) ;;
  *) echo "FAIL: malformed packets: replies $replies"; fail=1 ;;
esac
# a breakpoint, then the client goes away while gdb holds the target
pkt "Z0,${bp#0x},2" >&3
pkt c >&3
stop=$(timeout 10 head -c 15 <&3) # +$OK#9a +$T05#b9
exec 3>&-
finish waiting
[ $rc -eq 0 ] && [ "${stop#*T05}" != "$stop" ] && grep -q '^\*\*\* PASS \*\*\*' "$work/waiting.out" &&
  grep -q 'closed the connection' "$work/waiting.err" ||
  { echo "FAIL: disconnect at a breakpoint (stop reply '$stop'): exit $rc: $(cat "$work/waiting.err")"; fail=1; }
echo "disconnect at a breakpoint: stop reply '$stop'; $(grep 'gdb:' "$work/waiting.err" | tail -1)"

# Ctrl-C after a continue stops the target (T02); continue again, and the
# client goes away while the target runs
start running
exec 3<>"/dev/tcp/127.0.0.1/$port"
{ pkt c; printf '\003'; } >&3
intr=$(timeout 10 head -c 8 <&3) # +$T02#b6
[ "${intr#*T02}" != "$intr" ] || { echo "FAIL: Ctrl-C: reply '$intr'"; fail=1; }
echo "Ctrl-C: stop reply '$intr'"
pkt c >&3
exec 3>&-
finish running
[ $rc -eq 0 ] && grep -q '^\*\*\* PASS \*\*\*' "$work/running.out" ||
  { echo "FAIL: disconnect while running: exit $rc: $(cat "$work/running.err")"; fail=1; }
echo "disconnect while running: $(grep 'gdb:' "$work/running.err" | tail -1)"
exit $fail

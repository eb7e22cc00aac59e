#!/usr/bin/env bash
# Register traces without the corpus: the committed traces in traces/
# replay as recorded, show and diff decode them, a fresh recording of a
# self-made program replays to identical outputs, and broken traces give
# one clear line naming the entry, exit 2.
# usage: trace_test.sh MAX78SIM REPO_ROOT WORKDIR
set -u
m=$1 root=$2 work=$3
traces=$root/traces
fail=0
rm -rf "$work" && mkdir -p "$work"
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# -- committed traces replay with every recorded read value reproduced
for t in pool-max pool-max-s1 pool-fifo; do
  out=$("$m" replay "$traces/$t.json" --json "$work/$t.json" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then bad "replay $t: exit $rc: $out"; continue; fi
  echo "$out" | grep -q "all as recorded" || { bad "replay $t: no confirmation line"; continue; }
  grep -q '"kat":[[:space:]]*"pass"' "$work/$t.json" || { bad "replay $t: report does not carry the recorded kat"; continue; }
  ok "replay $t: $(echo "$out" | tail -1)"
done
grep -q '"source":[[:space:]]*"ISO"' "$work/pool-fifo.json" && grep -q '"divider":[[:space:]]*4' "$work/pool-fifo.json" \
  && ok "pool-fifo report keeps the ISO/4 clock" || bad "pool-fifo report lost the recorded clock"

# -- record a self-made program now and replay it: identical report and dumps
if "$m" run "$root/tests/fw/pool-fifo" --quiet --no-table --record "$work/rec.json" --json "$work/run.json" \
     --dump-layers "$work/run-d" >/dev/null 2>"$work/run.err"; then
  "$m" replay "$work/rec.json" -q --json "$work/rep.json" --dump-layers "$work/rep-d"; rc=$?
  if [ $rc -eq 0 ] && cmp -s "$work/run.json" "$work/rep.json" && diff -r "$work/run-d" "$work/rep-d" >/dev/null; then
    ok "record + replay of tests/fw/pool-fifo: byte-identical report and dumps ($(ls "$work/run-d" | wc -l) files)"
  else
    bad "record + replay of tests/fw/pool-fifo differ (replay exit $rc)"
  fi
else
  bad "run tests/fw/pool-fifo --record failed: $(cat "$work/run.err")"
fi

# -- a run cut short by its cycle budget still leaves a trace that replays to the same report
"$m" run "$root/tests/fw/pool-max" --quiet --no-table --max-cycles 400 --record "$work/cut.json" --json "$work/cut-run.json" \
  >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ] && "$m" replay "$work/cut.json" -q --json "$work/cut-rep.json" && cmp -s "$work/cut-run.json" "$work/cut-rep.json" \
   && grep -q '"reason":[[:space:]]*"max-cycles"' "$work/cut-rep.json"; then
  ok "run stopped by --max-cycles: trace written, replay gives the same report (stop reason max-cycles)"
else
  bad "run stopped by --max-cycles (exit $rc): trace or replay wrong"
fi

# -- show: register fields and the layer the registers describe
out=$("$m" trace show "$traces/pool-max.json"); rc=$?
[ $rc -eq 0 ] || bad "trace show exit $rc"
echo "$out" | grep -q 'w Q0.L0.LCTRL0 *= 0x000009a0  master=1 pool_en=1 maxpl_en=1 sramlsrc=1$' \
  && ok "show decodes LCTRL0 fields" || bad "show: LCTRL0 line missing or wrong"
echo "$out" | grep -q 'L0  pool  *4x8x8, max pool 2x2 with stride 2/2, passthrough, 4x4x4 output' \
  && ok "show rebuilds the layer" || bad "show: layer line missing or wrong"
echo "$out" | grep -q 'processors 0x000000000000000f (4), SRAM read ptr 0x00000000 (in_offset 0x0000), SRAM write ptr 0x00000800 (out_offset 0x2000)' \
  && ok "show prints processors and pointers" || bad "show: processors/pointers line missing or wrong"
echo "$out" | grep -q 'block of 128 accesses (64 reads, 64 writes, 512 bytes) FIFO_STAT .. FIFO_WR0' && bad "pool-max has no FIFO" || true
out=$("$m" trace show "$traces/pool-fifo.json")
echo "$out" | grep -q 'block of 128 accesses (64 reads, 64 writes, 512 bytes) FIFO_STAT .. FIFO_WR0' \
  && ok "show summarises the FIFO push block" || bad "show: FIFO block line missing"

# -- diff: field level
out=$("$m" trace diff "$traces/pool-max.json" "$traces/pool-max-s1.json"); rc=$?
[ $rc -eq 1 ] || bad "diff of different traces: exit $rc, expected 1"
echo "$out" | grep -q 'Q0.L0.STRIDE: 0x00000001 | 0x00000000: stride 1 -> 0' \
  && ok "diff names the register field" || bad "diff: STRIDE field line missing"
echo "$out" | grep -q 'layer 0: .*stride 2/2.*4x4x4 output | .*stride 1/1.*4x7x7 output' \
  && ok "diff shows the layer change" || bad "diff: layer line missing"
out=$("$m" trace diff "$traces/pool-max.json" "$traces/pool-max.json"); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'the traces are identical' && ok "diff of a trace with itself: identical, exit 0" \
  || bad "diff of a trace with itself: exit $rc"
out=$("$m" trace diff "$traces/pool-max.json" "$traces/pool-fifo.json"); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'clock.source: "PCLK" | "ISO"' && echo "$out" | grep -q 'Q0.CTRL: .* fifo_en 0 -> 1' \
  && ok "diff pool-max / pool-fifo: clock and CTRL.fifo_en" || bad "diff pool-max / pool-fifo: exit $rc"

# -- broken traces: exit 2 and one line that names the problem
base=$traces/pool-max.json
first=$(grep -n '"entries": \[' "$base" | cut -d: -f1)   # entries[i] is on line first+1+i
line_of() { grep -n "$1" "$base" | head -1 | cut -d: -f1; }
expect2() { # description, expected text, command...
  local what=$1 want=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  local lines; lines=$(printf '%s\n' "$err" | grep -c .)
  if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || ! printf '%s' "$err" | grep -qF -- "$want"; then
    bad "$what: exit $rc, stderr: $err (wanted exit 2 and one line with: $want)"
  else
    ok "$what -> $err"
  fi
}
mutate() { # name, line, sed expression
  sed "$2s/$3/" "$base" > "$work/$1.json"
  cmp -s "$base" "$work/$1.json" && bad "could not make $1"
}
l=$(line_of '"name":"Q0.L0.LCTRL0"'); e=$((l - first - 1))
mutate corrupt-value "$l" '"value":"0x000009a0"/"value":"9a0"'
expect2 "corrupt value" "entries[$e]: \"value\" is not a hexadecimal string" "$m" replay "$work/corrupt-value.json"
mutate missing-op "$l" '"op":"w",/'
expect2 "entry without op" "entries[$e]: missing \"op\"" "$m" trace show "$work/missing-op.json"
mutate bad-width "$l" '"width":4/"width":3'
expect2 "bad width" "entries[$e]: \"width\" must be 1, 2 or 4" "$m" replay "$work/bad-width.json"
mutate outside "$l" '"addr":"0x50100590"/"addr":"0x40000000"'
expect2 "address outside the map" "entries[$e]: address 0x40000000 is outside the CNN's address map" "$m" replay "$work/outside.json"
mutate hole "$l" '"addr":"0x50100590"/"addr":"0x50100ff0"'
expect2 "address in a hole of the map" "entries[$e]: address 0x50100ff0 is outside the CNN's address map (no register or memory there)" \
  "$m" trace diff "$base" "$work/hole.json"
mutate misaligned "$l" '"addr":"0x50100590"/"addr":"0x50100592"'
expect2 "misaligned access" "entries[$e]: address 0x50100592 is not aligned" "$m" replay "$work/misaligned.json"
mutate backwards "$l" '"t":319/"t":3'
expect2 "time going backwards" "entries[$e]: time goes backwards (t=3 after t=316)" "$m" replay "$work/backwards.json"
mutate unknown-op "$l" '"op":"w"/"op":"poke"'
expect2 "unknown op" "entries[$e]: unknown \"op\" \"poke\"" "$m" replay "$work/unknown-op.json"
lb=$(line_of '"op":"block","count":64'); eb=$((lb - first - 1))
mutate bad-base64 "$lb" '"data":"fhbc/"data":"!hbc'
expect2 "corrupt block payload" "entries[$eb]: \"data\" is not valid base64" "$m" replay "$work/bad-base64.json"
mutate short-block "$lb" '"count":64/"count":65'
expect2 "block payload of the wrong size" "entries[$eb]: \"data\" holds 256 bytes, the pattern needs 260" "$m" replay "$work/short-block.json"
mutate block-outside "$lb" '"stride":4/"stride":4000000'
expect2 "block running outside the map" "entries[$eb]: access 1 of the block: address 0x507d0900 is outside the CNN's address map" \
  "$m" replay "$work/block-outside.json"
sed 's/"version": 1,/"version": 2,/' "$base" > "$work/version.json"
expect2 "unknown version" "unsupported trace format version 2 (this max78sim reads version 1)" "$m" replay "$work/version.json"
sed 's/"version": 1,//' "$base" > "$work/noversion.json"
expect2 "missing version" "missing trace format \"version\"" "$m" trace show "$work/noversion.json"
sed 's/"device": "MAX78000"/"device": "MAX78002"/' "$base" > "$work/device.json"
expect2 "other device" "device \"MAX78002\" is not supported" "$m" replay "$work/device.json"
head -c 1500 "$base" > "$work/truncated.json"
expect2 "truncated file" "not valid JSON (error near line" "$m" replay "$work/truncated.json"
expect2 "a report is no trace" "not a max78sim trace" "$m" replay "$work/pool-max.json"
expect2 "missing file" "No such file or directory" "$m" replay "$work/nonexistent.json"
expect2 "a folder" "is a directory, not a trace" "$m" trace show "$work"
le=$(line_of '"op":"end"')
sed "${le}s/{\"t\":696,\"op\":\"end\"}/{\"t\":696,\"op\":\"end\"},{\"t\":697,\"op\":\"clock\",\"enabled\":true}/" "$base" > "$work/after-end.json"
expect2 "entry after the end" "entries[$((le - first))]: entry after the \"end\" entry" "$m" replay "$work/after-end.json"
expect2 "replay without FILE" "replay: missing FILE" "$m" replay
expect2 "run --record into a missing folder" "does not exist" "$m" run "$root/tests/fw/pool-max" --record "$work/no/such/dir/t.json"
expect2 "replay --json into a missing folder" "does not exist" "$m" replay "$base" --json "$work/no/such/dir/r.json"
expect2 "trace without subcommand" "trace: missing subcommand" "$m" trace
expect2 "trace diff with one file" "trace diff: missing traces A and B" "$m" trace diff "$base"

# -- a recorded read that the simulator no longer reproduces: exit 1, named
lr=$(line_of '"op":"r","addr":"0x50100000"'); er=$((lr - first - 1))
mutate diverge "$lr" '"value":"0x00101009"/"value":"0x00101008"'
err=$("$m" replay -q "$work/diverge.json" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 1 ] && echo "$err" | grep -qF "first at entries[$er] (cycle 626): read from Q0.CTRL returned 0x00101009, recorded 0x00101008"; then
  ok "divergent read -> exit 1: $err"
else
  bad "divergent read: exit $rc, stderr: $err"
fi
exit $fail

#!/usr/bin/env bash
# Record, then replay, every corpus case: the replay (no firmware) must
# write the same JSON report and the same layer dumps, byte for byte, as
# the recorded run, and every read the firmware made must return the
# recorded value again; `trace show` and `trace diff` (of the trace with
# itself: identical) must read every trace.  This checks run/replay
# identity, not correctness: a case whose firmware check fails is
# compared all the same.
# usage: trace_corpus_test.sh MAX78SIM CORPUS_DIR WORKDIR [JOBS]
set -u
m=$1 corpus=$2 work=$3 jobs=${4:-2}
if [ ! -d "$corpus" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
rm -rf "$work" && mkdir -p "$work"

one() { # case: prints one line, writes it to $work/<case>.result
  local m=$1 corpus=$2 work=$3 c=$4
  local d=$work/$c line
  mkdir -p "$d"
  "$m" run "$corpus/$c/firmware" --quiet --no-table --record "$d/trace.json" --json "$d/run.json" \
    --dump-layers "$d/run-d" >/dev/null 2>"$d/run.err"
  local rrc=$?
  if [ ! -s "$d/trace.json" ] || [ ! -s "$d/run.json" ]; then
    line="DIFF $c: the run (exit $rrc) wrote no trace or no report: $(grep . "$d/run.err" | tail -1)"
  else
    "$m" replay "$d/trace.json" -q --json "$d/rep.json" --dump-layers "$d/rep-d" 2>"$d/rep.err"
    local prc=$?
    if [ $prc -ne 0 ]; then
      line="DIFF $c: replay exit $prc: $(grep . "$d/rep.err" | tail -1)"
    elif ! cmp -s "$d/run.json" "$d/rep.json"; then
      line="DIFF $c: JSON reports differ: $(diff "$d/run.json" "$d/rep.json" | head -4 | tr '\n' ' ')"
    elif ! diff -r "$d/run-d" "$d/rep-d" >/dev/null 2>&1; then
      line="DIFF $c: layer dumps differ: $(diff -rq "$d/run-d" "$d/rep-d" 2>&1 | head -2 | tr '\n' ' ')"
    elif ! "$m" trace show "$d/trace.json" >/dev/null 2>"$d/show.err"; then
      line="DIFF $c: trace show failed: $(grep . "$d/show.err" | tail -1)"
    elif ! "$m" trace diff "$d/trace.json" "$d/trace.json" >/dev/null 2>"$d/diff.err"; then
      line="DIFF $c: trace diff of the trace with itself does not say identical: $(grep . "$d/diff.err" | tail -1)"
    else
      local n; n=$(ls "$d/run-d" | grep -c '^L')
      line="SAME $c (run exit $rrc, $n layer dumps, trace $(wc -c < "$d/trace.json") bytes)"
      rm -rf "$d"
    fi
  fi
  echo "$line" > "$work/$c.result"
  echo "$line"
}
export -f one

cases=$(cd "$corpus" && for c in */; do c=${c%/}; [ -d "$c/firmware" ] && echo "$c"; done)
total=$(echo "$cases" | grep -c .)
echo "$cases" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ "$m" "$corpus" "$work" {}
same=0 differ=0
for c in $cases; do
  if grep -q '^SAME' "$work/$c.result" 2>/dev/null; then same=$((same + 1)); else differ=$((differ + 1)); fi
done
echo "compared $((same + differ)) of $total corpus cases: $same identical after replay, $differ differ"
if [ $differ -ne 0 ] || [ $((same + differ)) -ne "$total" ] || [ "$total" -eq 0 ]; then
  grep -h '^DIFF' "$work"/*.result 2>/dev/null
  exit 1
fi
exit 0

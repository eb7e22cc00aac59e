#!/usr/bin/env bash
# Models by name: `max78sim run animal-yolo-pico` passes the firmware's
# own check and predicts non-animal for the traffic-light sample; the
# kitten twin passes too; a bad manifest gives a clear error.
# usage: model_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/animal-yolo-pico/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
export M78SIM_CORPUS=$corpus
rm -rf "$work" && mkdir -p "$work"
fail=0
out=$("$m" run animal-yolo-pico --json "$work/report.json" --record "$work/run.trace" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E 'PASS|prediction|^inference' | sed 's/^/  /'
if [ $rc -ne 0 ]; then echo "FAIL: exit $rc"; fail=1; fi
printf '%s\n' "$out" | grep -q '^\*\*\* PASS \*\*\*' || { echo "FAIL: no PASS line"; fail=1; }
printf '%s\n' "$out" | grep -q '^prediction: non-animal (' || { echo "FAIL: not predicted non-animal"; fail=1; }
grep -qE '"class":[[:space:]]*"non-animal"' "$work/report.json" || { echo "FAIL: JSON report has no non-animal prediction"; fail=1; }
n=$(printf '%s\n' "$out" | grep -cE '^ +[0-9]+ +conv2d ')
[ "$n" -eq 27 ] || { echo "FAIL: the table shows $n layers, not 27"; fail=1; }

# Its trace replays to the same report, prediction included.
out=$("$m" replay "$work/run.trace" --json "$work/replay.json" 2>&1); rc=$?
[ $rc -eq 0 ] || { echo "FAIL: replay: exit $rc"; fail=1; }
printf '%s\n' "$out" | grep -q '^prediction: non-animal (' || { echo "FAIL: replay predicts no non-animal"; fail=1; }
cmp -s "$work/report.json" "$work/replay.json" || { echo "FAIL: the replay's JSON report differs from the run's"; fail=1; }

out=$("$m" run animal-yolo-pico-kitten --quiet 2>&1); rc=$?
printf '%s\n' "$out" | grep -E 'prediction' | sed 's/^/  kitten: /'
[ $rc -eq 0 ] || { echo "FAIL: kitten: exit $rc"; fail=1; }

# A model whose firmware is missing: one clear line, exit 2.
err=$(M78SIM_CORPUS=$work/none "$m" run animal-yolo-pico 2>&1 >/dev/null); rc=$?
if [ $rc -ne 2 ] || ! printf '%s' "$err" | grep -q 'firmware folder .* not found'; then
  echo "FAIL: missing firmware: exit $rc: $err"; fail=1
fi
[ $fail -eq 0 ] && echo "ok: animal-yolo-pico predicts non-animal (replay too), kitten passes, missing firmware is an error"
exit $fail

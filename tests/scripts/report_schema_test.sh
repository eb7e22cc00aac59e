#!/usr/bin/env bash
# Every key a run report can hold is documented (issue 21): reports of
# several corpus cases and kinds of run, validated against
# docs/report-schema.json, the writers' keys, and docs/report-schema.md
# (tests/scripts/report_schema_check.py says how).
# usage: report_schema_test.sh MAX78SIM SOURCE_DIR CORPUS_DIR WORKDIR
set -u
m=$1 src=$2 corpus=$3 work=$4
[ -d "$corpus/mnist/firmware" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
for c in mnist cifar-10 kws20_v3 mnist-energy; do
  "$m" run "$c" -q --no-table --json "$work/$c.json" >/dev/null || { echo "FAIL: run $c"; fail=1; }
done
"$m" run animal-yolo-pico -q --no-table --json "$work/animal.json" --record "$work/animal.trace" >/dev/null \
  || { echo "FAIL: run animal-yolo-pico"; fail=1; }
"$m" replay "$work/animal.trace" -q --json "$work/animal-replay.json" || { echo "FAIL: replay"; fail=1; }
# a failing run: mnist with a layer the simulator cannot decode (as cli/layer-error)
cp -r "$corpus/mnist/firmware" "$work/bad"
sed -i 's|\*((volatile uint32_t \*) 0x50100120) = 0x00000100;|*((volatile uint32_t *) 0x50100120) = 0x00000200;|' "$work/bad/cnn.c"
"$m" run "$work/bad" -q --no-table --json "$work/fail.json" >/dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: the broken mnist should exit 1"; fail=1; }
# a user's input: the run ends after the inference (stop reason inference-done)
"$m" input export mnist -o "$work/in.npy" && python3 -c "
import sys; b = bytearray(open('$work/in.npy', 'rb').read()); b[-1] ^= 0x55; open('$work/in2.npy', 'wb').write(b)" &&
"$m" run mnist --input "$work/in2.npy" -q --no-table --json "$work/input.json" >/dev/null ||
  { echo "FAIL: run --input"; fail=1; }
grep -q '"inference-done"' "$work/input.json" || { echo "FAIL: the --input report does not end with inference-done"; fail=1; }
reports=("$work"/*.json)
if [ -x "$(dirname "$m")/max78sim-arm" ]; then
  "$m" build mnist -o "$work/mnist.elf" -q && "$m" run --elf "$work/mnist.elf" -q --no-table --json "$work/elf.json" >/dev/null \
    || { echo "FAIL: the --elf run"; fail=1; }
  reports+=("$work/elf.json")
else
  echo "note: no max78sim-arm, no --elf report"
fi
grep -q '"prediction"' "$work/animal.json" || { echo "FAIL: the animal report has no prediction"; fail=1; }
grep -q '"power_monitor"' "$work/mnist-energy.json" || { echo "FAIL: mnist-energy has no power_monitor"; fail=1; }
python3 "$src/tests/scripts/report_schema_check.py" "$src/docs/report-schema.json" "$src/docs/report-schema.md" \
  --writer "$src/host/src/report.c:m78_report_build" --writer "$src/host/src/report.c:add_run_sections" \
  --writer "$src/tools/predict.c:m78cli_predict" \
  --writer "$src/tools/cli_report.c:m78cli_report_with_run" --writer "$src/host/src/bench.c:m78bench_report" \
  --writer "$src/host/src/bench.c:add_weights" -- "${reports[@]}" || fail=1
# the checker itself: an undocumented key must fail it
sed 's/"schema":/"undocumented_key": 1, "schema":/' "$work/mnist.json" >"$work/extra.json.bad"
if python3 "$src/tests/scripts/report_schema_check.py" "$src/docs/report-schema.json" "$src/docs/report-schema.md" \
    -- "$work/extra.json.bad" | grep -q "undocumented_key: key not in the schema"; then
  echo "ok: an undocumented key is caught"
else
  echo "FAIL: an undocumented key passes the checker"; fail=1
fi
exit $fail

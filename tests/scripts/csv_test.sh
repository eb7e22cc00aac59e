#!/usr/bin/env bash
# run --csv and replay --csv against the JSON report of the same run
# (tests/scripts/csv_check.py), with the animal classifier's layer names
# from izer's "Layer N (name)" comments; a bad --csv path is one error.
# usage: csv_test.sh MAX78SIM SOURCE_DIR CORPUS_DIR WORKDIR
set -u
m=$1 src=$2 corpus=$3 work=$4
[ -d "$corpus/mnist/firmware" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
fail=0
chk() { python3 "$src/tests/scripts/csv_check.py" "$@" || fail=1; }
"$m" run mnist -q --no-table --json "$work/mnist.json" --csv "$work/mnist.csv" || { echo "FAIL: run mnist"; fail=1; }
chk "$work/mnist.json" "$work/mnist.csv"
"$m" run animal-yolo-pico -q --no-table --json "$work/a.json" --csv "$work/a.csv" --record "$work/a.trace" >/dev/null \
  || { echo "FAIL: run animal-yolo-pico"; fail=1; }
chk "$work/a.json" "$work/a.csv" cv1 cv2 cv3_cv1 cv3_cv1b cv3_bn1 cv3_bn2 cv3_cv2 cv4 cv5_cv1 cv5_cv1b cv5_bn1 cv5_bn2 \
  cv5_cv2 cv6 cv7_cv1 cv7_cv1b cv7_bn1 cv7_bn2 cv7_cv2 cv8 cv9_cv1 cv9_cv1b cv9_bn1 cv9_bn2 cv9_cv2 classify_conv \
  classify_linear
"$m" replay "$work/a.trace" -q --json "$work/r.json" --csv "$work/r.csv" || { echo "FAIL: replay"; fail=1; }
chk "$work/r.json" "$work/r.csv"
cmp -s "$work/a.csv" "$work/r.csv" && echo "ok: replay --csv = run --csv" || { echo "FAIL: replay's CSV differs"; fail=1; }
err=$("$m" run mnist -q --no-table --csv "$work/no/such/dir/x.csv" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q 'does not exist' && echo "ok: bad --csv path -> $err" \
  || { echo "FAIL: bad --csv path: exit $rc: $err"; fail=1; }
exit $fail

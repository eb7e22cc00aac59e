#!/usr/bin/env bash
# The engine gives identical results with one and two threads: each case
# runs with --threads 1 and with --threads 2 (every layer split across the
# threads: M78SIM_SPLIT_MIN=0), and the layer dumps (every layer's output
# and combined stage) and the run reports must be identical byte for byte.
# usage: threads_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/animal-yolo-pico/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# streaming FIFO input, transposed conv, conv1d, multipass, element-wise with
# pooling after (combined stage), 32-bit output, passthrough, flatten/MLP
cases="animal-yolo-pico camvid_unet kws20_v3 cifar-10 t-eltwiseadd-poolafter-avg
t-ai85-80expansion-q4-32bitout t-passthroughmultipass t-mlpflatten768to100-big t-fifostream-640-hwc t-upsample"
fail=0
for c in $cases; do
  for t in 1 2; do
    M78SIM_SPLIT_MIN=0 "$m" run "$corpus/$c/firmware" --threads $t -q --no-table \
      --dump-layers "$work/$c.t$t" --json "$work/$c.t$t.json" >"$work/$c.t$t.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then echo "FAIL: $c --threads $t: exit $rc"; tail -3 "$work/$c.t$t.log"; fail=1; fi
  done
  n=$(ls "$work/$c.t1" 2>/dev/null | wc -l)
  if [ "$n" -lt 2 ]; then
    echo "FAIL: $c: no layer dumps"; fail=1
  elif ! diff -r "$work/$c.t1" "$work/$c.t2" >/dev/null || ! cmp -s "$work/$c.t1.json" "$work/$c.t2.json"; then
    echo "FAIL: $c: outputs differ between 1 and 2 threads"; fail=1
  else
    echo "ok: $c: $n dump files and the report identical with 1 and 2 threads"
  fi
done
exit $fail

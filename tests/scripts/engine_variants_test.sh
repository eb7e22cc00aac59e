#!/usr/bin/env bash
# The engine gives identical results however it runs: each case runs once
# plainly (one thread, the fastest kernels of this CPU) and once per
# VARIANT, and the layer dumps (every layer's output and combined stage)
# and the run reports must be identical byte for byte.
#   threads   two threads, every layer split across them (M78SIM_SPLIT_MIN=0)
#   kernels   the portable C kernels, and SSE2 on x86 (M78SIM_KERNEL)
# usage: engine_variants_test.sh MAX78SIM CORPUS_DIR WORKDIR threads|kernels
set -u
m=$1 corpus=$2 work=$3 mode=$4
[ -d "$corpus/animal-yolo-pico/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# streaming FIFO input, transposed conv, conv1d, multipass, element-wise with
# pooling after (combined stage), 32-bit output, passthrough, flatten/MLP
cases="animal-yolo-pico camvid_unet kws20_v3 cifar-10 t-eltwiseadd-poolafter-avg
t-ai85-80expansion-q4-32bitout t-passthroughmultipass t-mlpflatten768to100-big t-fifostream-640-hwc t-upsample"
case $mode in
  threads) variants="threads2" ;;
  kernels) variants="generic"; [ "$(uname -m)" = x86_64 ] && variants="generic sse2" ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
fail=0
run() { # case, name, env...
  local c=$1 v=$2; shift 2
  env "$@" "$m" run "$corpus/$c/firmware" -q --no-table --dump-layers "$work/$c.$v" --json "$work/$c.$v.json" \
    >"$work/$c.$v.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || { echo "FAIL: $c ($v): exit $rc"; tail -3 "$work/$c.$v.log"; fail=1; }
}
for c in $cases; do
  run "$c" plain M78SIM_THREADS=1
  for v in $variants; do
    case $v in
      threads2) run "$c" $v M78SIM_THREADS=2 M78SIM_SPLIT_MIN=0 ;;
      *) run "$c" $v M78SIM_THREADS=1 M78SIM_KERNEL=$v ;;
    esac
    n=$(ls "$work/$c.plain" 2>/dev/null | wc -l)
    if [ "$n" -lt 2 ]; then
      echo "FAIL: $c: no layer dumps"; fail=1
    elif ! diff -r "$work/$c.plain" "$work/$c.$v" >/dev/null || ! cmp -s "$work/$c.plain.json" "$work/$c.$v.json"; then
      echo "FAIL: $c: outputs differ between the plain run and $v"; fail=1
    else
      echo "ok: $c: $n dump files and the report identical, plain and $v"
    fi
  done
done
exit $fail

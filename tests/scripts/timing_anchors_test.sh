#!/usr/bin/env bash
# The unmodified corpus firmware on the simulator against silicon
# (../shared/anchors.md): the firmware's own "Approximate inference time"
# for mnist (board: 1410 us) and kws20_v3 (1442 us) within +-7 us, the
# CIFAR-10 CNN time within 0.4 % of the power monitor's 4555.0 us and its
# layers 0-4 within 0.4 % of the per-layer measurements, and the default
# weight loader at about 14 MB/s.
# usage: timing_anchors_test.sh MAX78SIM JSON_GET CORPUS_DIR WORKDIR
set -u
max78sim=$1 json_get=$2 corpus=$3 work=$4
for c in mnist kws20_v3 cifar-10; do
  [ -d "$corpus/$c" ] || { echo "SKIP: no corpus case $c at $corpus"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
fail=0
within() { # value lo hi label
  if awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
    echo "ok   $4: $1 (accepted $2..$3)"
  else
    echo "FAIL $4: $1 (accepted $2..$3)"; fail=1
  fi
}
pct() { awk -v v="$1" -v r="$2" 'BEGIN { printf "%.3f", (v - r) / r * 100 }'; }
for c in mnist kws20_v3 cifar-10; do
  out=$("$max78sim" run "$corpus/$c/firmware" --no-table --json "$work/$c.json" 2>&1); rc=$?
  [ $rc -eq 0 ] || { echo "$out"; echo "$c: max78sim exited $rc"; exit 1; }
  printf -v "printed_${c//-/_}" "%s" "$(echo "$out" | sed -n 's/^Approximate inference time: \([0-9]*\) us$/\1/p')"
done
within "$printed_mnist" 1403 1417 "mnist printed inference time (board 1410 us)"
within "$printed_kws20_v3" 1435 1449 "kws20_v3 printed inference time (board 1442 us)"
t=$("$json_get" "$work/cifar-10.json" inference.time_us)
within "$(pct "$t" 4555.0)" -0.4 0.4 "cifar-10 CNN time $t us vs 4555.0 us, error %"
i=0
for meas in 1361.38 693.76 1355.81 192.82 336.62; do
  t=$("$json_get" "$work/cifar-10.json" layers.$i.time_us)
  within "$(pct "$t" "$meas")" -0.4 0.4 "cifar-10 layer $i time $t us vs $meas us, error %"
  i=$((i + 1))
done
rate=$("$json_get" "$work/mnist.json" loading.weights.mb_per_s)
within "$rate" 12 16 "mnist weight loading MB/s (anchors: ~14 MB/s)"
exit $fail

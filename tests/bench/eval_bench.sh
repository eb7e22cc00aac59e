#!/usr/bin/env bash
# eval's speed and determinism on generated inputs (issue 15):
#   tests/bench/eval_bench.sh [MAX78SIM] [N]
# For animal-yolo-pico and mnist: N random inputs (default 1000) as one
# .npy, `max78sim eval --jobs 1` (one core: --threads 1) and `--jobs 2`;
# prints inferences per second of each and requires the two CSVs (every
# per-input class, score, cycle and energy figure) to be identical.  Then
# the previous mechanism on the same machine in the same run: a forked
# child per inference (M78SIM_SERVE_FORK=1, --jobs 1, N/5 inputs), whose
# results must equal the rolled-back workers' too.
# A benchmark: it asserts nothing about time.
set -eu
m=${1:-./build/bin/max78sim}
n=${2:-1000}
work=$(mktemp -d /tmp/m78-evalbench-XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" "$n" <<'PY'
import numpy as np, sys
w, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(2026)
np.save(f"{w}/animal.npy", rng.integers(0, 256, (n, 3, 180, 180), dtype=np.uint8))
np.save(f"{w}/mnist.npy", rng.integers(-128, 128, (n, 1, 28, 28), dtype=np.int8))
PY
fail=0
for net in animal-yolo-pico mnist; do
  dir=$net
  [ "$net" = mnist ] && dir=$(dirname "$0")/../../../shared/corpus/mnist/firmware
  for j in 1 2; do
    "$m" eval "$dir" --inputs "$work/${net%%-*}.npy" --jobs $j --threads 1 --csv "$work/$net-$j.csv" -q \
      > "$work/$net-$j.out"
    echo "$net --jobs $j: $(head -1 "$work/$net-$j.out")"
  done
  if cmp -s "$work/$net-1.csv" "$work/$net-2.csv"; then
    echo "$net: --jobs 1 and --jobs 2 give identical per-input results ($n inputs)"
  else
    echo "$net: --jobs 1 and --jobs 2 DIFFER"; fail=1
  fi
  k=$(( n / 5 > 0 ? n / 5 : 1 ))
  /usr/bin/python3 -c "import numpy as np,sys; np.save(sys.argv[2], np.load(sys.argv[1])[:int(sys.argv[3])])" \
    "$work/${net%%-*}.npy" "$work/${net%%-*}-k.npy" "$k"
  M78SIM_SERVE_FORK=1 "$m" eval "$dir" --inputs "$work/${net%%-*}-k.npy" --jobs 1 --threads 1 --csv "$work/$net-f.csv" -q \
    > "$work/$net-f.out"
  echo "$net --jobs 1, a forked child per inference: $(head -1 "$work/$net-f.out")"
  if head -$((k + 1)) "$work/$net-1.csv" | cmp -s - "$work/$net-f.csv"; then
    echo "$net: forked children give the same per-input results ($k inputs)"
  else
    echo "$net: forked children DIFFER"; fail=1
  fi
done
exit $fail

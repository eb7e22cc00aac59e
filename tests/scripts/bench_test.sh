#!/usr/bin/env bash
# `max78sim bench` runs, replays the inference bit for bit (it fails
# otherwise) and reports every figure, in the table and in the JSON, for
# both bridges (--threads 1) and for the one --bridge names (--threads 2).
# Nothing here depends on how fast the host is.
# usage: bench_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/mnist/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
export M78SIM_CORPUS=$corpus
rm -rf "$work" && mkdir -p "$work"
fail=0
for t in 1 2; do
  modes="inst trap"; opt=
  [ $t -eq 2 ] && { modes=inst; opt="--bridge inst"; }
  out=$("$m" bench mnist --runs 1 --threads $t $opt --json "$work/bench$t.json" 2>"$work/err$t"); rc=$?
  printf '%s\n' "$out" | sed 's/^/  /'
  [ $rc -eq 0 ] || { echo "FAIL: --threads $t: exit $rc: $(cat "$work/err$t")"; fail=1; continue; }
  for b in $modes; do
    printf '%s\n' "$out" | grep -qE "^mnist +$b +10\.8M +[0-9.]+ +[0-9.]+[kMG]? +1\.403 +[0-9.]+ " ||
      { echo "FAIL: --threads $t: no mnist $b row with 10.8M MACs and 1.403 chip ms"; fail=1; }
    grep -qE "\"bridge\":[[:space:]]*\"$b\"" "$work/bench$t.json" || { echo "FAIL: --threads $t: JSON lacks $b"; fail=1; }
  done
  # load_input()'s host time, in the ordinary run and per served (eval)
  # inference: numbers in the last two columns of every row
  for b in $modes; do
    printf '%s\n' "$out" | grep -qE "^mnist +$b .* [0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}\$" ||
      { echo "FAIL: --threads $t: the mnist $b row has no load_input() times"; fail=1; }
  done
  grep -qE '"eval_inferences":[[:space:]]*40' "$work/bench$t.json" ||
    { echo "FAIL: --threads $t: JSON lacks 40 timed eval inferences"; fail=1; }
  if [ $t -eq 1 ]; then
    printf '%s\n' "$out" | grep -qE "^mnist: inst against trap: weight load [0-9.]+x" ||
      { echo "FAIL: no trap/inst ratio line"; fail=1; }
  fi
  for key in '"sim_ms"' '"sim_cpu_ms"' '"mac_per_s"' '"chip_ms"' '"sim_over_chip"' '"fw_ms"' '"accesses_per_s"' '"layer_ms"' \
             '"cpu_ns_per_access"' '"store_ns"' '"load_ns"' '"run_ms"' '"load_input"' "\"threads\":[[:space:]]*$t"; do
    grep -qE "$key" "$work/bench$t.json" || { echo "FAIL: --threads $t: JSON lacks $key"; fail=1; }
  done
done
[ $fail -eq 0 ] && echo "ok: bench reports mnist with 1 and 2 threads, both bridges, table and JSON"
exit $fail

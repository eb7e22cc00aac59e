#!/usr/bin/env bash
# Firmware synthesized with --energy (corpus mnist-energy) brackets its
# stages with LED_On/LED_Off for the EVKit power monitor; `max78sim run`
# must print the monitor's stage table, and its inference stage
# ((input + inference) - input, per repetition) must agree with the plain
# mnist run: energy within 1 % of the plain run's inference in the
# monitor's view, below its CNN energy by the CPU's sleep saving (about
# 2 mW over the inference, docs/energy-model.md; at most 10 %), and time
# within 1 % of the plain run's inference as the CPU sees it.
# usage: power_monitor_test.sh MAX78SIM JSON_GET CORPUS_DIR WORKDIR
set -u
max78sim=$1 json_get=$2 corpus=$3 work=$4
for c in mnist mnist-energy; do
  [ -d "$corpus/$c" ] || { echo "SKIP: no corpus case $c at $corpus"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
out=$("$max78sim" run "$corpus/mnist-energy/firmware" --quiet --json "$work/energy.json" 2>&1); rc=$?
echo "$out" | sed -n '/^power monitor/,$p'
[ $rc -eq 0 ] || { echo "$out"; echo "mnist-energy: max78sim exited $rc"; exit 1; }
fail=0
for s in weights input input+inference inference; do
  echo "$out" | grep -q "^$s  *[0-9.]*  *[0-9.-]*$" || { echo "FAIL: no '$s' row in the stage table"; fail=1; }
done
"$max78sim" run "$corpus/mnist/firmware" --quiet --no-table --json "$work/plain.json" >/dev/null 2>&1 ||
  { echo "mnist: max78sim failed"; exit 1; }
read -r st se < <("$json_get" "$work/energy.json" power_monitor.stages.3.time_us power_monitor.stages.3.energy_uj |
                  tr '\n' ' ')
read -r pw pm pe < <("$json_get" "$work/plain.json" inference.wall_us inference.monitor_uj inference.energy_uj |
                     tr '\n' ' ')
check() { # a b limit% label
  if awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { d = (a - b) / b * 100; if (d < 0) d = -d; exit !(d <= l) }'; then
    echo "ok   $4: $1 vs $2 (within $3 %)"
  else
    echo "FAIL $4: $1 vs $2 (not within $3 %)"; fail=1
  fi
}
check "$se" "$pm" 1 "inference stage energy uJ vs plain mnist, power-monitor view"
check "$se" "$pe" 10 "inference stage energy uJ vs plain mnist CNN energy"
awk -v a="$se" -v b="$pe" 'BEGIN { exit !(a < b) }' ||
  { echo "FAIL the monitor's inference energy is not below the CNN's own (the CPU sleeps)"; fail=1; }
check "$st" "$pw" 1 "inference stage time us vs plain mnist inference (CPU view)"
exit $fail

#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS over its corpus (new inputs are
# kept in DIR/corpus/TARGET) and the seeds; a crash, a sanitizer report,
# a leak, an input slower than 10 s or over 2 GB fails, and the input is
# saved in DIR/artifacts.  Prints libFuzzer's last status line (executions,
# coverage) and the exit status.
# usage: run_fuzz.sh FUZZER DIR TARGET SECONDS [extra libFuzzer options]
set -u
fz=$1 dir=$2 t=$3 secs=$4
shift 4
mkdir -p "$dir/corpus/$t" "$dir/artifacts" "$dir/seeds/$t"
log="$dir/$t.log"
"$fz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$dir/artifacts/$t-" "$@" "$dir/corpus/$t" "$dir/seeds/$t" >"$log" 2>&1
rc=$?
grep -E '^#[0-9]+' "$log" | tail -1
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log"
if [ $rc -ne 0 ]; then
  grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20
  echo "FAIL: fuzz_$t exited $rc (log: $log)"
fi
exit $rc

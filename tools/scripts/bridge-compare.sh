#!/usr/bin/env bash
# Runs corpus cases with both bridges, the instrumented build
# (M78SIM_BRIDGE=inst) and the fault bridge (M78SIM_BRIDGE=trap), each with
# --record, --json, --dump-layers and --timeline, and compares everything
# byte for byte: exit status, the console and table on stdout, stderr
# (less the "building ..." lines), the register trace, the JSON report,
# every layer dump, sram.bin, footprint.bin and the timeline.  One line
# per case, then a summary; exit 0 when every case is identical, 1 when
# one differs, 2 on bad usage.  The fault bridge takes seconds per case on
# hosts with slow signal delivery: the whole corpus takes 15-30 minutes on
# two cores.  The CTest bridge/compare runs it on a few cases.
# usage: bridge-compare.sh [--max78sim PATH] [--corpus DIR] [--work DIR] [--jobs N] [CASE...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
m=$root/build/bin/max78sim
corpus=$root/../shared/corpus
work=
jobs=2
cases=()
while [ $# -gt 0 ]; do
  case $1 in
    --max78sim) m=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bridge-compare: unknown option $1" >&2; exit 2 ;;
    *) cases+=("$1"); shift ;;
  esac
done
[ -x "$m" ] || { echo "bridge-compare: $m is not an executable" >&2; exit 2; }
if [ ! -d "$corpus" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
[ -n "$work" ] || work=$(mktemp -d /tmp/max78sim-bridge-compare-XXXXXX)
mkdir -p "$work" || exit 2
if [ ${#cases[@]} -eq 0 ]; then
  for d in "$corpus"/*/; do
    c=$(basename "$d")
    [ -d "$corpus/$c/firmware" ] && cases+=("$c")
  done
fi

one() { # case: prints one line
  local m=$1 corpus=$2 work=$3 c=$4
  local d=$work/$c mode
  rm -rf "$d"
  for mode in inst trap; do
    local o=$d/$mode
    mkdir -p "$o"
    M78SIM_BRIDGE=$mode "$m" run "$corpus/$c/firmware" --record "$o/trace.json" --json "$o/report.json" \
      --dump-layers "$o/layers" --timeline "$o/timeline.json" >"$o/stdout" 2>"$o/stderr.raw"
    echo "exit $?" >"$o/exit"
    grep -v '^building ' "$o/stderr.raw" >"$o/stderr"
    rm -f "$o/stderr.raw"
  done
  local diffs
  diffs=$(diff -rq "$d/inst" "$d/trap" 2>&1 | sed "s|$d/||g" | head -3 | tr '\n' ' ')
  if [ -z "$diffs" ]; then
    echo "SAME $c ($(cat "$d/inst/exit"), trace $(wc -c <"$d/inst/trace.json" 2>/dev/null || echo 0) bytes," \
         "$(ls "$d/inst/layers" 2>/dev/null | grep -c '^L') layer dumps)"
    rm -rf "$d"
  else
    echo "DIFF $c: $diffs"
  fi
}
export -f one
printf '%s\n' "${cases[@]}" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ "$m" "$corpus" "$work" {} |
  sort -k2 | tee "$work/results.txt"
n=$(wc -l <"$work/results.txt")
same=$(grep -c '^SAME ' "$work/results.txt")
echo "bridge-compare: $same of $n cases identical with both bridges (work folder $work)"
[ "$same" -eq "$n" ] && [ "$n" -eq ${#cases[@]} ]

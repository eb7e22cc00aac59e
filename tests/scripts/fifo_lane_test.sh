#!/usr/bin/env bash
# timing/fifo-lane: the SoC model's lane for the FIFO loader's status polls
# and pushes (firmware_shim/src/soc.c, fifo_lane) against the general
# access path it shortcuts.  Every corpus case whose main.c loads its
# input through the FIFOs runs twice, with M78SIM_FIFO_LANE=off (every
# access the general way) and with M78SIM_FIFO_LANE=count (the lane, and
# a stderr line saying how many accesses took it, which must be more than
# 0); the exit status, stdout, stderr without that line, the JSON report,
# every layer dump, the timeline, the per-layer CSV and the register trace
# must be the same bytes.  With --bridge trap the fault
# bridge serves the firmware (both bridges end in the same m78soc_read).
#
# usage: fifo_lane_test.sh MAX78SIM CORPUS [--bridge inst|trap] [--cases a,b]
set -u
m=${1:?usage: fifo_lane_test.sh MAX78SIM CORPUS [--bridge B] [--cases a,b]}
corpus=${2:?corpus folder}
shift 2
if [ ! -d "$corpus" ]; then
  echo "fifo_lane_test.sh: no corpus at $corpus: skipped" >&2
  exit 77
fi
m=$(cd "$(dirname "$m")" && pwd)/$(basename "$m")
corpus=$(cd "$corpus" && pwd)
bridge=inst
only=
while [ $# -gt 0 ]; do
  case $1 in
  --bridge) bridge=$2; shift 2 ;;
  --cases) only=$2; shift 2 ;;
  *) echo "fifo_lane_test.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/m78-fifolane-XXXXXX)
trap 'rm -rf "$work"' EXIT

cases=()
for f in "$corpus"/*/firmware/main.c; do
  c=$(basename "$(dirname "$(dirname "$f")")")
  if [ -n "$only" ]; then
    case ",$only," in *",$c,"*) ;; *) continue ;; esac
  fi
  # the loader polls FIFO_STAT (0x50000004) before each push
  grep -q '0x50000004' "$f" && cases+=("$c")
done
if [ ${#cases[@]} -eq 0 ]; then
  echo "fifo_lane_test.sh: no FIFO-fed case in $corpus" >&2
  exit 2
fi

fail=0
for c in "${cases[@]}"; do
  for side in lane general; do
    d=$work/$c/$side
    mkdir -p "$d"
    lane=count
    [ $side = general ] && lane=off
    (cd "$d" && M78SIM_FIFO_LANE=$lane M78SIM_BRIDGE=$bridge "$m" run "$corpus/$c/firmware" --record trace.json \
      --json report.json --dump-layers layers --timeline timeline.json --csv layers.csv >stdout.txt 2>stderr.txt
     echo "exit $?" >status.txt)
    # the firmware cache's build lines appear only on a miss
    grep -v '^max78sim: build\|^building \|^built \|^max78sim: FIFO lane: ' "$d/stderr.txt" >"$d/stderr.cmp" || true
    [ $side = lane ] && hits=$(sed -n 's/^max78sim: FIFO lane: \([0-9]*\) accesses$/\1/p' "$d/stderr.txt")
    rm -f "$d/stderr.txt"
  done
  if [ -z "${hits:-}" ] || [ "$hits" -eq 0 ]; then
    echo "FAIL $c: no access took the FIFO lane (${hits:-no count line})"
    fail=1
    continue
  fi
  if diff -r "$work/$c/lane" "$work/$c/general" >"$work/$c.diff"; then
    n=$(find "$work/$c/lane" -type f | wc -l)
    echo "SAME $c ($(cat "$work/$c/lane/status.txt"), $n files, $hits accesses through the lane)"
  else
    echo "DIFF $c:"
    head -20 "$work/$c.diff"
    fail=1
  fi
done
echo "fifo lane ($bridge bridge): ${#cases[@]} FIFO-fed cases, $([ $fail = 0 ] && echo "all identical" || echo "DIFFERENCES")"
exit $fail

#!/usr/bin/env bash
# A/B identity check for refactors (issue 14): builds two versions of
# max78sim and runs the same things with both, then diffs every output
# byte for byte.  A side is a git revision (exported with `git archive`
# into the work folder and built there with the release configuration of
# build.sh, tests off) or an existing build folder holding bin/max78sim
# (its sources are read from its CMakeCache.txt).  The builds stay in the
# work folder: a second run with the same --work rebuilds incrementally.
#
# Per corpus case (every ../shared/corpus case with a firmware/ folder):
#   run FW --record --json --dump-layers --timeline --csv   (exit, stdout, stderr)
#   replay of that trace --json --dump-layers, and `trace show` of it
# Once per side: replay and `trace show` of each traces/*.json, `--help`
# of every command, a few error paths, two headless viewer screenshots
# (PNG, mnist layer 0 and animal-yolo-pico layer 20 with --log-keys), and
# (when both sides have max78sim-arm and the Arm toolchain) the Arm ELF
# runs of four cases.
#
# Everything runs with the work folder's own firmware cache (M78SIM_CACHE),
# every other M78SIM_* variable unset, and relative output paths from a
# per-case folder, so that both sides write the same bytes.  Compared raw,
# except for what is legitimately host- or checkout-dependent:
#   - stderr lines "building DIR ..." and "built DIR in N s": printed only
#     when the firmware cache misses, with the host's compile time;
#   - the sides' source and build folders, replaced by @SRC@ and @BUILD@
#     in text outputs (an Arm build names its build folder; error messages
#     name the shim's paths);
#   - in the "max78sim-arm: ..." statistics line (M78SIM_ARM_STATS), the
#     host seconds and the instructions per host second;
#   - the Arm ELF files themselves (their debug info holds the paths):
#     only what running them writes is compared.
# Not ignored: "wall_us" / "inference_wall_us" are the firmware's SysTick
# time in simulated ticks, deterministic, so they are compared.
#
# One line per case (SAME/DIFF), then a summary; exit 0 when everything
# is identical, 1 when something differs or a side failed to build, 2 on
# bad usage.  The whole corpus takes about 15-25 minutes on two cores.
# usage: ab_compare.sh [--work DIR] [--jobs N] [--corpus DIR] [--quick]
#                      [--cases a,b,...] [--no-arm] [--keep] A B
set -u
{ # read whole before it runs: a checkout that changes this file mid-run cannot break the run
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$root/../shared/corpus
work= jobs=2 quick=0 cases_arg= arm=1 keep=0
sides=()
while [ $# -gt 0 ]; do
  case $1 in
    --work) work=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --cases) cases_arg=$2; shift 2 ;;
    --no-arm) arm=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "ab_compare: unknown option $1" >&2; exit 2 ;;
    *) sides+=("$1"); shift ;;
  esac
done
[ ${#sides[@]} -eq 2 ] || { echo "ab_compare: need two sides (revisions or build folders); --help" >&2; exit 2; }
[ -d "$corpus" ] || { echo "ab_compare: no corpus at $corpus" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)
work_given=1
[ -n "$work" ] || { work=$(mktemp -d /tmp/max78sim-ab-XXXXXX); work_given=0; }
mkdir -p "$work" && work=$(cd "$work" && pwd) || exit 2
for v in $(env | sed -n 's/^\(M78SIM_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

say() { echo "ab_compare: $*" >&2; }

# side LABEL SPEC: sets src_LABEL and build_LABEL, building when SPEC is a revision
prepare_side() {
  local label=$1 spec=$2 src build
  if [ -x "$spec/bin/max78sim" ]; then
    build=$(cd "$spec" && pwd)
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
    say "$label = build folder $build (sources $src)"
  else
    local rev
    rev=$(git -C "$root" rev-parse --verify -q "$spec^{commit}") || { say "$spec: not a revision or build folder"; return 1; }
    src=$work/src-$label build=$work/build-$label
    if [ "$(cat "$work/rev-$label" 2>/dev/null)" != "$rev" ]; then
      rm -rf "$src" "$build" && mkdir -p "$src"
      git -C "$root" archive "$rev" | tar -x -C "$src" || return 1
      echo "$rev" >"$work/rev-$label"
    fi
    say "$label = $spec ($rev): building in $build ..."
    nice cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTS=OFF -DBUILD_VIEWER=ON \
      >"$work/cmake-$label.log" 2>&1 &&
      nice cmake --build "$build" -j"$jobs" >>"$work/cmake-$label.log" 2>&1 ||
      { say "$label: build failed, see $work/cmake-$label.log"; return 1; }
  fi
  [ -x "$build/bin/max78sim" ] || { say "$label: no $build/bin/max78sim"; return 1; }
  eval "src_$label=\$src build_$label=\$build"
}
prepare_side A "${sides[0]}" || exit 1
prepare_side B "${sides[1]}" || exit 1

if [ -n "$cases_arg" ]; then
  cases=$(echo "$cases_arg" | tr ',' '\n' | grep .)
else
  cases=$(cd "$corpus" && for c in */; do c=${c%/}; [ -d "$c/firmware" ] && echo "$c"; done)
  [ $quick -eq 1 ] && cases=$(echo "$cases" | grep -x -e mnist -e cifar-10 -e kws20_v3 -e animal-yolo-pico \
    -e camvid_unet -e cats-dogs -e aisegment_unet -e faceid -e cifar-100-residual -e svhn_tinierssd)
fi
arm_cases="mnist cifar-10 kws20_v3 animal-yolo-pico"
if [ $arm -eq 1 ] && { [ ! -x "$build_A/bin/max78sim-arm" ] || [ ! -x "$build_B/bin/max78sim-arm" ] ||
                       ! command -v arm-none-eabi-gcc >/dev/null; }; then
  say "no max78sim-arm on both sides or no Arm toolchain: Arm runs skipped"
  arm=0
fi

# Host- and checkout-dependent parts out of one side's text outputs (see the header).
normalize() { # dir src build
  local f
  find "$1" -type f \( -name '*.json' -o -name '*.csv' -o -name '*.txt' -o -name stdout -o -name stderr \) -print0 |
    while IFS= read -r -d '' f; do
      sed -i -e '/^building .* \.\.\.$/d' -e '/^built .* in [0-9.]* s/d' -e "s|$3|@BUILD@|g" -e "s|$2|@SRC@|g" \
        -e '/^max78sim-arm: /s/[0-9.]* s host/@ s host/' -e '/^max78sim-arm: /s/[0-9.]* M executed instructions/@ M executed instructions/' "$f"
    done
}

# run DIR NAME CMD...: runs CMD in DIR, keeping NAME.stdout/.stderr/.exit
run_in() {
  local d=$1 n=$2
  shift 2
  (cd "$d" && "$@" >"$n.stdout" 2>"$n.stderr"; echo $? >"$n.exit")
  mv "$d/$n.stdout" "$d/$n.stdout.txt" && mv "$d/$n.stderr" "$d/$n.stderr.txt"
}

one_case() { # label case
  local label=$1 c=$2 m d
  eval "m=\$build_$label/bin/max78sim"
  d=$work/out-$label/corpus/$c
  rm -rf "$d" && mkdir -p "$d"
  M78SIM_CACHE=$work/cache-$label run_in "$d" run "$m" run "$corpus/$c/firmware" --record trace.json \
    --json report.json --dump-layers layers --timeline timeline.json --csv layers.csv
  if [ -s "$d/trace.json" ]; then
    run_in "$d" replay "$m" replay trace.json --json replay.json --dump-layers replay-layers
    run_in "$d" show "$m" trace show trace.json
  fi
}

extras() { # label: the once-per-side outputs
  local label=$1 m ma src d t cmd c
  eval "m=\$build_$label/bin/max78sim ma=\$build_$label/bin/max78sim-arm src=\$src_$label"
  d=$work/out-$label/extra
  rm -rf "$d" && mkdir -p "$d"
  export M78SIM_CACHE=$work/cache-$label
  for t in "$src"/traces/*.json; do
    t=$(basename "$t" .json)
    run_in "$d" "replay-$t" "$m" replay "$src/traces/$t.json" --json "replay-$t.json" --dump-layers "replay-$t"
    run_in "$d" "show-$t" "$m" trace show "$src/traces/$t.json"
  done
  run_in "$d" help "$m" --help
  for cmd in $("$m" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
    run_in "$d" "help-$cmd" "$m" "$cmd" --help
  done
  run_in "$d" err-nofw "$m" run /nonexistent/firmware --json x.json
  run_in "$d" err-badopt "$m" run --no-such-option
  run_in "$d" err-notrace "$m" replay /nonexistent/trace.json
  for c in mnist:0 animal-yolo-pico:20; do
    [ -d "$corpus/${c%%:*}/firmware" ] || continue
    run_in "$d" "view-${c%%:*}" env -u DISPLAY "$m" view "$corpus/${c%%:*}/firmware" --layer "${c##*:}" --log-keys \
      --screenshot "view-${c%%:*}.png"
  done
  if [ $arm -eq 1 ]; then
    for c in $arm_cases; do
      [ -d "$corpus/$c/firmware" ] || continue
      mkdir -p "$d/arm-$c"
      run_in "$d/arm-$c" build "$m" build "$corpus/$c/firmware" -o fw.elf
      [ -s "$d/arm-$c/fw.elf" ] && M78SIM_ARM_STATS=1 run_in "$d/arm-$c" run "$m" run --elf fw.elf --json arm.json \
        --dump-layers arm --record arm.trace
      rm -f "$d/arm-$c/fw.elf"
    done
  fi
  unset M78SIM_CACHE
}

export work corpus build_A build_B src_A src_B
export -f one_case run_in
rm -rf "$work/out-A" "$work/out-B"
say "$(echo "$cases" | grep -c .) corpus cases, $jobs jobs, work folder $work"
for label in A B; do
  echo "$cases" | xargs -P "$jobs" -I{} bash -c 'one_case "$@"' _ "$label" {}
  extras "$label"
  eval "normalize \"\$work/out-$label\" \"\$src_$label\" \"\$build_$label\""
done

same=0 differ=0
: >"$work/results.txt"
for c in $cases; do
  dd=$(diff -rq "$work/out-A/corpus/$c" "$work/out-B/corpus/$c" 2>&1 | sed "s|$work/out-[AB]/corpus/$c/||g" |
       head -3 | tr '\n' ' ')
  if [ -z "$dd" ]; then
    echo "SAME $c (run exit $(cat "$work/out-A/corpus/$c/run.exit"), $(ls "$work/out-A/corpus/$c/layers" 2>/dev/null |
      grep -c '^L') layer dumps, trace $(wc -c <"$work/out-A/corpus/$c/trace.json" 2>/dev/null || echo 0) bytes)"
    same=$((same + 1))
  else
    echo "DIFF $c: $dd"
    differ=$((differ + 1))
  fi
done | tee -a "$work/results.txt"
same=$(grep -c '^SAME ' "$work/results.txt") differ=$(grep -c '^DIFF ' "$work/results.txt")
dd=$(diff -rq "$work/out-A/extra" "$work/out-B/extra" 2>&1 | sed "s|$work/out-[AB]/extra/||g")
nextra=$(find "$work/out-A/extra" -type f | wc -l)
if [ -z "$dd" ]; then
  echo "SAME extras ($nextra files: traces/ replays and shows, --help of every command, error paths, Arm runs)" |
    tee -a "$work/results.txt"
else
  echo "DIFF extras: $(echo "$dd" | head -5 | tr '\n' ' ')" | tee -a "$work/results.txt"
  differ=$((differ + 1))
fi
nfiles=$(find "$work/out-A" -type f | wc -l)
# both sides failing the same way would look identical: say how many ran
nok=$(cat "$work"/out-A/corpus/*/run.exit 2>/dev/null | grep -cx 0)
nrep=$(ls "$work"/out-A/corpus/*/report.json 2>/dev/null | wc -l)
echo "ab_compare: ${sides[0]} vs ${sides[1]}: $same of $(echo "$cases" | grep -c .) corpus cases identical," \
     "$differ difference(s), $nfiles files compared per side; $nok runs exited 0, $nrep wrote a report" \
     "(work folder $work)"
if [ "$nrep" -eq 0 ]; then
  say "no run wrote a report: the setup is broken (see a case's run.stderr.txt under $work/out-A)"
  differ=$((differ + 1))
fi
# the builds stay for the next run with the same --work; outputs only on a difference or --keep
if [ $keep -eq 0 ] && [ $differ -eq 0 ]; then
  if [ $work_given -eq 1 ]; then rm -rf "$work/out-A" "$work/out-B"; else rm -rf "$work"; fi
fi
[ $differ -eq 0 ]
exit
}

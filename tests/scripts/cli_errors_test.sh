#!/usr/bin/env bash
# Bad input gives a one-line error and exit 2, never a crash or a hang.
# usage: cli_errors_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
fail=0
expect2() { # description, command...
  local what=$1; shift
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  local lines; lines=$(printf '%s\n' "$err" | grep -c '^max78sim: ')
  if [ $rc -ne 2 ] || [ "$lines" -lt 1 ]; then echo "FAIL: $what: exit $rc, stderr: $err"; fail=1
  else echo "ok: $what -> $(printf '%s\n' "$err" | grep '^max78sim: ' | tail -1)"; fi
}
rm -rf "$work" && mkdir -p "$work/notaproject"
echo "int main(void){return 0;}" > "$work/notaproject/main.c"
expect2 "missing folder" "$m" run "$work/does-not-exist"
expect2 "not a synthesized project" "$m" run "$work/notaproject"
expect2 "unknown option" "$m" run --frobnicate
expect2 "unknown command" "$m" frobnicate
expect2 "run: thread count out of range" "$m" run "$work/notaproject" --threads 0
expect2 "bench: unknown network" "$m" bench "$work/does-not-exist"
expect2 "bench: run count out of range" "$m" bench --runs 0
expect2 "bench: JSON into a missing folder" "$m" bench --json "$work/does-not-exist/bench.json"
expect2 "empty timeline name" "$m" run "$work/notaproject" --timeline=
expect2 "timeline without a file" "$m" run "$work/notaproject" --timeline
expect2 "bench-energy: unknown argument" "$m" bench-energy --frobnicate
expect2 "bench-energy: no corpus" "$m" bench-energy --corpus "$work/does-not-exist"
expect2 "view: missing folder" "$m" view "$work/does-not-exist"
expect2 "view: bad --layer" "$m" view "$work/notaproject" --layer abc
expect2 "run: viewer option without --view" "$m" run "$work/notaproject" --compare "$work"
# a folder of dumps with one 2x2x2 layer
mkdir -p "$work/dumps"
printf '\001\002\003\004\005\006\007\010' > "$work/dumps/L00.i8"
echo '{"layers":[{"index":0,"file":"L00.i8","shape_chw":[2,2,2],"dtype":"int8"}]}' > "$work/dumps/layers.json"
expect2 "view: no display for a window" env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$m" view "$work/dumps"
expect2 "view: no such layer" "$m" view "$work/dumps" --screenshot "$work/x.png" --layer 3
expect2 "view: a run option with a folder of dumps" "$m" view "$work/dumps" --screenshot "$work/x.png" \
  --record "$work/t.json"
expect2 "view: screenshot into a missing folder" "$m" view "$work/dumps" --screenshot "$work/nowhere/x.png"
expect2 "view: compare with a folder without expected data" "$m" view "$work/dumps" --compare "$work/notaproject" \
  --screenshot "$work/x.png"
[ ! -e "$work/x.png" ] || { echo "FAIL: a screenshot was written despite the errors"; fail=1; }
if [ -d "$corpus/mnist/firmware" ]; then
  expect2 "cycle budget (firmware never finishes)" "$m" run "$corpus/mnist/firmware" --max-cycles 50000 --quiet
  expect2 "timeline in a missing folder" "$m" run "$corpus/mnist/firmware" --timeline "$work/no/such/dir/t.json"
  expect2 "timeline is a folder" "$m" run "$corpus/mnist/firmware" --timeline "$work"
else
  echo "SKIP: cycle-budget case needs the corpus at $corpus"
fi
exit $fail

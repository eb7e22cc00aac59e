#!/usr/bin/env bash
# Every command that takes DIR|MODEL accepts the same four forms (issue 21;
# tools/resolve.h): a model name, a corpus case name, a corpus case
# folder, a firmware folder -- run, view, build, capture, compare, bench,
# replay --model and test, each with each form; the corpus named by
# --corpus DIR or by $M78SIM_CORPUS; and an unknown name gives the same
# one-line error (exit 2) in every command.
# usage: resolve_forms_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/mnist/firmware" ] && [ -d "$corpus/animal-yolo-pico/firmware" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
export M78SIM_CACHE=${M78SIM_CACHE:-$work/../resolve-cache}
unset M78SIM_CORPUS
fail=0
# form NAME ARG: the four forms; the model is the animal classifier (the
# only models there are), the others mnist
forms=("model=animal-yolo-pico" "case-name=mnist" "case-folder=$corpus/mnist" "firmware-folder=$corpus/mnist/firmware")
has_view=1; "$m" view --help >/dev/null 2>&1 || has_view=0
has_arm=1; [ -x "$(dirname "$m")/max78sim-arm" ] && command -v arm-none-eabi-gcc >/dev/null || has_arm=0

ok() { # WHAT COMMAND...: exit 0
  local what=$1; shift
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -ne 0 ]; then echo "FAIL: $what: exit $rc: $(printf '%s' "$out" | tail -3)"; fail=1; return 1; fi
  echo "ok: $what"
}

# device data and traces to compare and replay against
"$m" run mnist --corpus "$corpus" -q --no-table --dump-layers "$work/mnist-d" --record "$work/mnist.trace" >/dev/null 2>&1 \
  || { echo "FAIL: mnist run"; exit 1; }
"$m" run animal-yolo-pico -q --no-table --dump-layers "$work/animal-d" --record "$work/animal.trace" >/dev/null 2>&1 \
  || { echo "FAIL: animal run"; exit 1; }

for f in "${forms[@]}"; do
  form=${f%%=*} arg=${f#*=}
  net=mnist; [ "$form" = model ] && net=animal
  ok "run $form" "$m" run "$arg" --corpus "$corpus" -q --no-table
  if [ $has_view -eq 1 ]; then
    ok "view $form" env -u DISPLAY -u WAYLAND_DISPLAY "$m" view "$arg" --corpus "$corpus" --layer 0 --size 640x400 \
      --screenshot "$work/view-$form.png" && [ -s "$work/view-$form.png" ] || { echo "FAIL: view $form: no PNG"; fail=1; }
  fi
  if [ $has_arm -eq 1 ]; then
    ok "build $form" "$m" build "$arg" --corpus "$corpus" -q -o "$work/$form.elf"
  fi
  ok "capture $form" "$m" capture "$arg" --corpus "$corpus" --stop-after 1 -o "$work/cap-$form"
  ok "compare $form" "$m" compare "$arg" --corpus "$corpus" --device "$work/$net-d/sram.bin"
  ok "bench $form" "$m" bench "$arg" --corpus "$corpus" --runs 1
  ok "replay --model $form" "$m" replay "$work/$net.trace" --corpus "$corpus" --model "$arg" -q
  ok "test $form" "$m" test "$arg" --corpus "$corpus" -q
done
# replay --model with a model prints its prediction; without one it is the trace's
out=$("$m" replay "$work/mnist.trace" --model animal-yolo-pico --no-table 2>&1)
echo "$out" | grep -q '^prediction: not available' && echo "ok: replay --model MODEL uses that model's classes (mnist's 10 outputs do not fit its 2)" \
  || { echo "FAIL: replay --model animal-yolo-pico: $out"; fail=1; }
# the corpus from the environment variable instead of --corpus
ok "case name through M78SIM_CORPUS" env M78SIM_CORPUS="$corpus" "$m" run mnist -q --no-table
# --corpus elsewhere: the case name is looked up there, and not found
mkdir -p "$work/empty-corpus"
err=$("$m" run mnist --corpus "$work/empty-corpus" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q "empty-corpus/mnist" && echo "ok: --corpus DIR is where names are looked up" \
  || { echo "FAIL: --corpus elsewhere: exit $rc: $err"; fail=1; }
# one error for an unknown name, whichever command
want="max78sim: no-such-net: no such firmware folder, model (models/no-such-net) or corpus case"
for cmd in "run no-such-net" "view no-such-net --screenshot $work/x.png" "build no-such-net -o $work/x.elf" \
    "capture no-such-net --stop-after 1 -o $work/x" "compare no-such-net --device $work/mnist-d/sram.bin" \
    "bench no-such-net --runs 1" "replay $work/mnist.trace --model no-such-net"; do
  [ $has_view -eq 0 ] && [ "${cmd%% *}" = view ] && continue
  err=$(env -u DISPLAY "$m" $cmd 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] && printf '%s' "$err" | grep -qF "$want"; then
    echo "ok: ${cmd%% *}: unknown name -> one line, exit 2"
  else
    echo "FAIL: ${cmd%% *} with an unknown name: exit $rc: $err"; fail=1
  fi
done
out=$("$m" test no-such-net 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -qF "${want#max78sim: }" && echo "ok: test: unknown name -> an error testcase" \
  || { echo "FAIL: test with an unknown name: exit $rc: $out"; fail=1; }
# every --help names the forms
for c in run view build capture compare bench replay test; do
  "$m" $c --help 2>/dev/null | grep -q "DIR|MODEL is any of: a synthesized firmware folder" \
    || { echo "FAIL: $c --help does not list the DIR|MODEL forms"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: every --help lists the forms"
exit $fail

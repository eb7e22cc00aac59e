#!/usr/bin/env bash
# Tests of the viewer against the corpus, one mode per CTest test.
# usage: viz_test.sh MODE MAX78SIM VIZ_CHECK CORPUS_DIR WORKDIR
#   mnist-tiles   headless screenshot of mnist layer 0 (no display): size,
#                 non-uniform, 60 tiles
#   animal-input  headless screenshot of the animal classifier's input:
#                 the RGB picture equals sampledata.h
#   capture       the captured layer-0 input equals sampledata.h for SRAM
#                 (CHW, HWC) and FIFO (CHW streaming, HWC) inputs
#   compare       an injected mismatch is found, printed and drawn
#   fail-run      a firmware whose own check fails is shown all the same
#   xvfb          a real window under Xvfb: injected SDL key events change
#                 the view, `s` saves a PNG, `q` closes it cleanly
#   live          --live under Xvfb: Space steps layer by layer, the run
#                 ends, q closes
#   layout        issue 21: layer names from izer's network description,
#                 the prediction with its class names, all-zero channels
#                 marked (counted against the dump), the tile grid spread
#                 over the panel (layer 0: 16 large tiles; layer 20: 128)
#   leaks         valgrind: no leak and no invalid access in the viewer's
#                 own code (window under Xvfb, keys, screenshot)
set -u
mode=$1 m=$2 check=$3 corpus=$4 work=$5
export M78SIM_CACHE=${M78SIM_CACHE:-$work/../viz-cache}
rm -rf "$work" && mkdir -p "$work" || exit 2
need_case() { [ -d "$corpus/$1/firmware" ] || { echo "SKIP: no corpus case $1 at $corpus"; exit 77; }; }
need_xvfb() { command -v xvfb-run >/dev/null || { echo "SKIP: xvfb-run not installed (apt-get install xvfb xauth)"; exit 77; }; }
fail() { echo "FAIL: $*"; exit 1; }

# A finished mnist run's files, for the window tests.
mnist_run() {
  mkdir -p "$work/run"
  "$m" run "$corpus/mnist/firmware" --quiet --no-table --json "$work/run/report.json" --dump-layers "$work/run" \
    >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "max78sim run mnist"; }
}

case $mode in
layout)
  need_case animal-yolo-pico
  out=$(env -u DISPLAY "$m" view animal-yolo-pico --layer 20 --log-keys --screenshot "$work/a20.png" \
    --dump-layers "$work/d" 2>&1) || { echo "$out"; fail "view animal-yolo-pico --layer 20"; }
  echo "$out" | grep -E '^(names|prediction|layer 20):'
  echo "$out" | grep -qF 'names: 27 of 27 layers named (first cv1, last classify_linear)' || fail "layer names"
  echo "$out" | grep -qF 'prediction: non-animal (75.1%): animal -9102, non-animal 8981' || fail "prediction and classes"
  zeros=$(python3 -c '
import json, sys
d = sys.argv[1]
l = [x for x in json.load(open(d + "/layers.json"))["layers"] if x["index"] == 20][0]
c, h, w = l["shape_chw"]
b = open(d + "/" + l["file"], "rb").read()
print(sum(1 for k in range(c) if not any(b[k * h * w:(k + 1) * h * w])))' "$work/d")
  echo "layer 20 of the dump: $zeros all-zero channels"
  [ "$zeros" -gt 0 ] || fail "layer 20 should have all-zero channels"
  echo "$out" | grep -qF "layer 20: $zeros all-zero channels marked" || fail "the viewer marks a different number of zero channels"
  "$check" tiles "$work/a20.png" 128 1440 900 || fail "layer 20 tiles"
  # each zero tile is the zero grey (its 50x50 interior but the "all 0" text) (model.h M78V_ZERO_*)
  "$check" color "$work/a20.png" 52 52 62 $((zeros * 40 * 40)) || fail "zero tiles not grey"
  "$check" extent "$work/a20.png" 1390 780 || fail "layer 20's grid leaves the panel empty"
  env -u DISPLAY "$m" view animal-yolo-pico --layer 0 --screenshot "$work/a0.png" >/dev/null 2>&1 || fail "layer 0 screenshot"
  "$check" tiles "$work/a0.png" 16 1440 900 || fail "layer 0 tiles"
  "$check" extent "$work/a0.png" 1390 780 || fail "layer 0's grid leaves the panel empty"
  # a firmware folder: still named (izer's comments), no model, no prediction
  out=$(env -u DISPLAY "$m" view "$corpus/animal-yolo-pico/firmware" --layer 26 --log-keys --screenshot "$work/f26.png" 2>&1) ||
    fail "view of the firmware folder"
  echo "$out" | grep -qF 'names: 27 of 27 layers named' || fail "names of a firmware folder"
  echo "$out" | grep -q '^prediction' && fail "a firmware folder has no classes, yet a prediction is shown"
  out=$(env -u DISPLAY "$m" view "$corpus/mnist" --layer 0 --log-keys --screenshot "$work/m0.png" 2>&1) || fail "mnist"
  echo "$out" | grep -qF 'names: 0 of 5 layers named' || fail "mnist has no layer names"
  echo "ok: names, prediction, zero channels and grid"
  ;;
mnist-tiles)
  need_case mnist
  # no display at all: the offscreen driver must do
  env -u DISPLAY -u WAYLAND_DISPLAY "$m" view "$corpus/mnist" --screenshot "$work/mnist-L0.png" --layer 0 \
    --size 1280x800 || fail "max78sim view --screenshot exited $?"
  "$check" tiles "$work/mnist-L0.png" 60 1280 800 || fail "mnist layer 0 picture"
  # layer 1 has 60 channels too, layer 2 56: the count follows the layer
  env -u DISPLAY "$m" view "$corpus/mnist" --screenshot "$work/mnist-L2.png" --layer 2 --size 1280x800 >/dev/null ||
    fail "screenshot of layer 2"
  "$check" tiles "$work/mnist-L2.png" 56 1280 800 || fail "mnist layer 2 picture"
  ;;
animal-input)
  need_case animal-yolo-pico
  env -u DISPLAY "$m" view "$corpus/animal-yolo-pico" --screenshot "$work/animal-input.png" --layer input ||
    fail "max78sim view --screenshot exited $?"
  "$check" rgb "$work/animal-input.png" "$corpus/animal-yolo-pico/firmware/sampledata.h" || fail "input picture"
  # the three channel tiles and the RGB picture
  "$check" tiles "$work/animal-input.png" 4 1440 900 || fail "input tiles"
  ;;
capture)
  for spec in "mnist chw 1 28 28" "cifar-10 hwc 3 32 32" "animal-yolo-pico chw 3 180 180" "cats-dogs hwc 3 128 128"; do
    set -- $spec
    need_case "$1"
    "$m" run "$corpus/$1/firmware" --quiet --no-table --dump-layers "$work/$1" >"$work/$1.log" 2>&1
    rc=$?
    [ $rc -le 1 ] || { cat "$work/$1.log"; fail "$1: max78sim run exited $rc"; }
    echo "$1: $(tr -d ' \n\t' <"$work/$1/input.json")"
    "$check" input "$work/$1/input.i8" "$corpus/$1/firmware/sampledata.h" "$2" "$3" "$4" "$5" || fail "$1 input"
  done
  ;;
compare)
  need_case mnist
  mkdir -p "$work/expected"
  cp -r "$corpus/mnist/expected.json" "$corpus/mnist/layers" "$work/expected/"
  # layer 1 is 60x16x16 int8: change channel 7, row 5, col 9 (value 7*256+5*16+9 = 1881)
  /usr/bin/env printf '\x55' | dd of="$work/expected/layers/L01.i8" bs=1 seek=1881 conv=notrunc status=none
  out=$(env -u DISPLAY "$m" view "$corpus/mnist" --compare "$work/expected" --screenshot "$work/compare.png") ||
    fail "max78sim view --compare exited $?"
  echo "$out"
  echo "$out" | grep -q "first mismatch: layer 1 channel 7 row 5 col 9: expected 85, got " || fail "first mismatch"
  echo "$out" | grep -q "(1 of 15360 values differ)" || fail "mismatch count"
  # the mismatching value is drawn in magenta (a block of scale x scale pixels)
  "$check" color "$work/compare.png" 255 0 255 4 || fail "no magenta mismatch pixel"
  # against the untouched expected data: everything matches, no magenta
  out=$(env -u DISPLAY "$m" view "$corpus/mnist" --compare "$corpus/mnist" --screenshot "$work/same.png") ||
    fail "compare with the corpus exited $?"
  echo "$out" | grep -q "compare: all 5 compared layers match" || fail "corpus compare: $out"
  "$check" color "$work/same.png" 255 0 255 0 >/dev/null
  [ "$("$check" color "$work/same.png" 255 0 255 0 | cut -d' ' -f1)" = 0 ] || fail "magenta without a mismatch"
  ;;
fail-run)
  need_case mnist
  # a private copy whose own check fails (one expected output word changed)
  cp -r "$corpus/mnist/firmware" "$work/firmware"
  sed -i 's/0xfffecf58/0xfffecf59/' "$work/firmware/sampleoutput.h"
  ! cmp -s "$work/firmware/sampleoutput.h" "$corpus/mnist/firmware/sampleoutput.h" || fail "could not change sampleoutput.h"
  env -u DISPLAY "$m" view "$work/firmware" --screenshot "$work/fail.png" --layer 0 --size 1280x800 2>"$work/err"
  rc=$?
  cat "$work/err"
  [ $rc -eq 0 ] || fail "view of a failing firmware exited $rc"
  grep -q "output check failed" "$work/err" || fail "no note about the FAIL"
  "$check" tiles "$work/fail.png" 60 1280 800 || fail "layer 0 of the failing run"
  env -u DISPLAY "$m" run "$work/firmware" --quiet --no-table --view --screenshot "$work/fail2.png" 2>/dev/null
  rc=$?
  [ $rc -eq 1 ] || fail "run --view of a failing firmware exited $rc, expected 1 (FAIL)"
  [ -f "$work/fail2.png" ] || fail "run --view wrote no screenshot"
  ;;
xvfb)
  need_case mnist
  need_xvfb
  mnist_run
  mkdir -p "$work/shots"
  keys="Down,Right,Right,+,-,h,h,PageUp,Up,End,Home,s,q"
  out=$(timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" "$m" view "$work/run" --inject-keys "$keys" \
    --log-keys --save-dir "$work/shots" 2>&1)
  rc=$?
  echo "$out"
  [ $rc -eq 0 ] || fail "viewer exited $rc"
  echo "$out" | grep -q "^video driver: x11$" || fail "not an X11 window"
  expect() { echo "$out" | grep -qxF "$1" || fail "missing: $1"; }
  expect "key Down: layer 1 channel -1 zoom 1 help 0"
  expect "key Right: layer 1 channel 0 zoom 1 help 0"
  expect "key Right: layer 1 channel 1 zoom 1 help 0"
  expect "key +: layer 1 channel 1 zoom 2 help 0"
  expect "key -: layer 1 channel 1 zoom 1 help 0"
  expect "key H: layer 1 channel 1 zoom 1 help 1"
  expect "key H: layer 1 channel 1 zoom 1 help 0"
  expect "key PageUp: layer 0 channel 1 zoom 1 help 0"
  expect "key Up: layer input channel 0 zoom 1 help 0"
  expect "key End: layer 4 channel 0 zoom 1 help 0"
  expect "key Home: layer input channel 0 zoom 1 help 0"
  expect "key Q: layer input channel 0 zoom 1 help 0"
  shot=$(ls "$work/shots"/*.png 2>/dev/null | head -1)
  [ -n "$shot" ] || fail "s saved no screenshot"
  # saved after Home: the input entry, one 28x28 tile, at the window's size
  "$check" tiles "$shot" 1 1440 900 || fail "$shot"
  ;;
live)
  need_case mnist
  need_xvfb
  # 5 layers: start, then 4 steps with Space (layer 0 runs at once), then q
  out=$(timeout 300 xvfb-run -a -s "-screen 0 1600x1000x24" "$m" view "$corpus/mnist" --live --log-keys \
    --inject-keys "space,space,space,space,q" 2>&1)
  rc=$?
  echo "$out"
  [ $rc -eq 0 ] || fail "live viewer exited $rc"
  # the last layer's "done" may be overtaken by the end of the run
  for l in 0 1 2 3; do echo "$out" | grep -q "^live: layer $l done$" || fail "layer $l was not shown running"; done
  echo "$out" | grep -q "^live: run finished$" || fail "the run did not finish"
  ;;
leaks)
  need_case mnist
  need_xvfb
  command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
  mnist_run
  # Run A opens the window and quits; run B walks through every layer,
  # zooms, opens the help, saves a screenshot.  SDL and its X11/GL/D-Bus
  # libraries leak a little at start-up, the same in both runs.
  vg() { # name keys
    timeout 600 xvfb-run -a -s "-screen 0 1600x1000x24" valgrind --leak-check=full \
      --show-leak-kinds=definite,indirect --num-callers=40 --log-file="$work/valgrind-$1.%p.log" \
      "$m" view "$work/run" --inject-keys "$2" --save-dir "$work" >"$work/viewer-$1.out" 2>&1
    local rc=$?
    log=$(grep -l "Command: .*max78sim view" "$work"/valgrind-"$1".*.log | head -1)
    [ $rc -eq 0 ] && [ -n "$log" ] || { cat "$work/viewer-$1.out"; fail "viewer under valgrind ($1) exited $rc"; }
    echo "$1: $(grep -E "definitely lost:|indirectly lost:|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')"
    # A record is ours when the first frame after the allocator (or the
    # faulting frame) is in max78sim's own code.
    awk '
      /lost in loss record/ || /^==[0-9]+== (Invalid|Conditional|Use of uninit|Mismatched|Syscall param)/ {
        rec = $0; inrec = 1; site = ""; next }
      inrec && /^==[0-9]+== *$/ {
        if (site ~ /\(in [^)]*\/max78sim\)/ || site ~ /(view|model|view_cmd|max78sim|cli_util|fwbuild|inputcap|report)\.c:[0-9]/) {
          print rec; bad++ }
        inrec = 0; next }
      inrec { rec = rec "\n" $0
        if (site == "" && ($0 ~ /^==[0-9]+== +(at|by) 0x/) && $0 !~ /(malloc|calloc|realloc|strdup|strndup|memalign|operator new|vgpreload)/)
          site = $0 }
      END { exit bad ? 1 : 0 }' "$log" || fail "valgrind: a problem in the viewer's own code (above)"
    lost=$(awk '/definitely lost:|indirectly lost:/ { gsub(",", "", $4); s += $4 } END { print s + 0 }' "$log")
  }
  vg A "q"; lost_a=$lost
  vg B "Down,Right,Right,+,+,h,h,Down,Down,Down,End,Up,Home,Left,-,s,0,s,PageDown,q"; lost_b=$lost
  [ -n "$(ls "$work"/*.png 2>/dev/null)" ] || fail "run B saved no screenshot"
  echo "lost bytes (definitely + indirectly): A $lost_a, B $lost_b"
  [ "$lost_b" -le "$lost_a" ] || fail "more memory lost after using the viewer: the viewer leaks"
  echo "no leak and no invalid access in the viewer's code; nothing more lost after using it"
  ;;
*)
  echo "unknown mode $mode"
  exit 2
  ;;
esac
echo "PASS: $mode"

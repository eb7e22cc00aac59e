#!/usr/bin/env bash
# Re-makes the viewer screenshots of the README (docs/viewer-*.png) from
# the corpus, headless.  usage: tools/scripts/viewer-screenshots.sh [CORPUS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
corpus=${1:-../shared/corpus}
m=$root/build/bin/max78sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The animal classifier (by model name: layer names, prediction) layer 0:
# 16 channels of 180x180, channel 1
# selected, the mouse over it.
"$m" view animal-yolo-pico --corpus "$corpus" --layer 0 --inject-keys "Right,Right,mouse:760:170" \
  --screenshot "$root/docs/viewer-animal-layer0.png"

# Compare mode: the mnist case's expected data with two values changed in
# a private copy (layer 1 channel 7 row 5 col 9, layer 3 channel 2 row 1
# col 1); the viewer opens at the first mismatch, the mouse on it.
mkdir -p "$tmp/expected"
cp -r "$corpus/mnist/expected.json" "$corpus/mnist/layers" "$tmp/expected/"
printf '\x55' | dd of="$tmp/expected/layers/L01.i8" bs=1 seek=$((7 * 256 + 5 * 16 + 9)) conv=notrunc status=none
printf '\x40' | dd of="$tmp/expected/layers/L03.i8" bs=1 seek=$((2 * 16 + 1 * 4 + 1)) conv=notrunc status=none
"$m" view "$corpus/mnist" --compare "$tmp/expected" --inject-keys "mouse:1279:112" \
  --screenshot "$root/docs/viewer-compare.png"

#!/usr/bin/env bash
# The timeline of the animal classifier (corpus animal-yolo-pico: two
# streaming layers fed by the FIFOs, 27 layers) must be valid trace-event
# JSON with every layer on it.
# usage: timeline_test.sh MAX78SIM TIMELINE_CHECK CORPUS_DIR WORKDIR
set -u
max78sim=$1 check=$2 corpus=$3 work=$4
if [ ! -d "$corpus/animal-yolo-pico" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
rm -rf "$work" && mkdir -p "$work"
"$max78sim" run "$corpus/animal-yolo-pico/firmware" --quiet --no-table --timeline "$work/animal.json"; rc=$?
[ $rc -eq 0 ] || { echo "max78sim exited $rc"; exit 1; }
"$check" "$work/animal.json" --layers 27

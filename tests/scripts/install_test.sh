#!/usr/bin/env bash
# `cmake --install` into a scratch prefix, then the installed max78sim must
# build and run a firmware on its own (finding its shim headers and
# libraries next to itself), from another working directory.
# usage: install_test.sh BUILD_DIR CORPUS_DIR WORKDIR
set -u
build=$1 corpus=$2 work=$3
if [ ! -d "$corpus/mnist/firmware" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null || { echo "install failed"; exit 1; }
cd "$work" || exit 1
out=$(M78SIM_CACHE="$work/cache" "$work/prefix/bin/max78sim" run "$corpus/mnist/firmware" 2>&1); rc=$?
echo "$out" | tail -4
[ $rc -eq 0 ] || { echo "installed max78sim exited $rc"; exit 1; }
echo "$out" | grep -q '^\*\*\* PASS \*\*\*$' || { echo "no PASS from the installed tool"; exit 1; }
echo "$out" | grep -q '^inference: 70157 cycles' || { echo "unexpected cycle count"; exit 1; }

#!/usr/bin/env bash
# A kernel byte flipped in a private copy of the mnist case must make the
# firmware's own check fail (exit 1) and the known-answer runner must name
# the first layer that differs.  The copy lives in the build tree only.
# usage: kat_fault_test.sh CORPUS_DIR MAX78SIM KAT_RUNNER WORKDIR
set -u
corpus=$1 max78sim=$2 runner=$3 work=$4
if [ ! -d "$corpus/mnist" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
rm -rf "$work" && mkdir -p "$work/corpus"
cp -r "$corpus/mnist" "$work/corpus/mnist"
w="$work/corpus/mnist/firmware/weights.h"
# Flip the sign bit of the first byte of the first data word of the first KERNELS record (the
# record is: address, length, data...), i.e. a weight of layer 0.
awk 'BEGIN{done=0; from="0123456789abcdefABCDEF"; to="89abcdef01234567234567"}
     /#define KERNELS/ {inside=1; print; next}
     inside && !done { n=0; out="";
       for (i=1;i<=NF;i++){ t=$i; if (t ~ /^0x[0-9a-fA-F]+,?$/) { n++;
           if (n==3) { ch=substr(t,3,1); t=substr(t,1,2) substr(to,index(from,ch),1) substr(t,4); done=1 } }
         out = out (i>1?" ":"") t }
       print "  " out; next }
     {print}' "$w" > "$w.new" && mv "$w.new" "$w"
if cmp -s "$w" "$corpus/mnist/firmware/weights.h"; then echo "could not modify weights.h"; exit 1; fi
"$max78sim" run "$work/corpus/mnist/firmware" --quiet --no-table; rc=$?
if [ $rc -ne 1 ]; then echo "expected exit 1 (FAIL) from max78sim, got $rc"; exit 1; fi
out=$("$runner" --corpus "$work/corpus" mnist 2>&1); rrc=$?
echo "$out"
if [ $rrc -eq 0 ]; then echo "the runner did not report the fault"; exit 1; fi
echo "$out" | grep -q "layer 0" || { echo "the runner did not name layer 0"; exit 1; }
echo "$out" | grep -q "^0 passed, 1 failed$" || { echo "missing summary line"; exit 1; }
echo "fault detected as expected"

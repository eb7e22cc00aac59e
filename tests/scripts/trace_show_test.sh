#!/usr/bin/env bash
# `trace show` rebuilds, from the register values alone, what the
# synthesizer's comments in cnn.c state for every layer: input shape,
# pooling, padding, output shape (the "// Layer N: ..." header lines), the
# processors (the "Mask and processor enables" writes of all quadrants)
# and the SRAM read/write pointers of quadrant 0.  The expected values are
# read from the corpus's cnn.c at run time; the trace is recorded now.
# usage: trace_show_test.sh MAX78SIM CORPUS_DIR WORKDIR CASE...
set -u
m=$1 corpus=$2 work=$3
shift 3
if [ ! -d "$corpus" ]; then echo "SKIP: no corpus at $corpus"; exit 77; fi
rm -rf "$work" && mkdir -p "$work"
fail=0 checked=0
for case in "$@"; do
  fw=$corpus/$case/firmware
  "$m" run "$fw" --quiet --no-table --record "$work/$case.json" >/dev/null 2>"$work/$case.err"
  if [ ! -s "$work/$case.json" ]; then echo "FAIL $case: no trace ($(tail -1 "$work/$case.err"))"; fail=1; continue; fi
  "$m" trace show --layers "$work/$case.json" > "$work/$case.show" || { echo "FAIL $case: trace show failed"; fail=1; continue; }
  # Expected, per layer: "L<tab>in<tab>pool<tab>pad<tab>out<tab>processors<tab>rptr<tab>wptr"
  awk '
    function low16(v) { return substr(v, length(v) - 3) }
    /^\/\/ Layer [0-9]+: / {
      l = $3; sub(":", "", l); n = l + 1 > n ? l + 1 : n
      s = $0; sub(/^\/\/ Layer [0-9]+: /, "", s)
      k = split(s, part, ", ")
      inshape = part[1]; sub(/.* flattened to /, "", inshape)
      pool[l] = part[2]; pad[l] = "-"
      for (i = 3; i <= k; i++) if (part[i] ~ /^pad /) pad[l] = part[i]
      out[l] = part[k]; sub(/ output$/, "", out[l])
      inp[l] = inshape
    }
    /\/\/ Layer [0-9]+ quadrant [0-9]+$/ { L = $3; Q = $5 }
    /\/\/ Mask and processor enables/ { v = $6; sub(/;$/, "", v); en[L, Q] = low16(v) }
    /\/\/ SRAM read ptr/ && Q == 0 { v = $6; sub(/;$/, "", v); rp[L] = v }
    /\/\/ SRAM write ptr/ && Q == 0 { v = $6; sub(/;$/, "", v); wp[L] = v }
    END {
      for (l = 0; l < n; l++) {
        p = "0x"
        for (q = 3; q >= 0; q--) p = p ((l, q) in en ? en[l, q] : "0000")
        printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l, inp[l], pool[l], pad[l], out[l], p,
               (l in rp) ? rp[l] : "0x00000000", (l in wp) ? wp[l] : "0x00000000"
      }
    }' "$fw/cnn.c" > "$work/$case.expected"
  nl=0
  while IFS=$'\t' read -r l inp pool pad out procs rptr wptr; do
    nl=$((nl + 1))
    desc=$(grep "^  L$l " "$work/$case.show" | head -1)
    ptrs=$(grep -A1 "^  L$l " "$work/$case.show" | tail -1)
    want=("$inp, " "$pool, " "$out" "processors $procs " "SRAM read ptr $rptr " "SRAM write ptr $wptr ")
    [ "$pad" != "-" ] && want+=(", $pad")
    for w in "${want[@]}"; do
      if ! printf '%s\n%s\n' "$desc" "$ptrs" | grep -qF -- "$w"; then
        echo "FAIL $case layer $l: cnn.c says \"$w\", trace show printed:"
        printf '    %s\n    %s\n' "$desc" "$ptrs"
        fail=1
      fi
    done
  done < "$work/$case.expected"
  if [ "$nl" -eq 0 ]; then echo "FAIL $case: no layer comments found in cnn.c"; fail=1; continue; fi
  echo "$case: $nl layers checked against cnn.c (shape, pooling, padding, output, processors, SRAM pointers)"
  checked=$((checked + 1))
  if [ "$case" = mnist ]; then sed -n '/^  L1 /,/^      processors/p' "$work/$case.show"; grep '^// Layer 1:' "$fw/cnn.c"; fi
done
[ $checked -gt 0 ] || fail=1
exit $fail

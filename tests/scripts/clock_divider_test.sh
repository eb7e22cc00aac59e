#!/usr/bin/env bash
# The CNN clock the firmware programs (GCR pclkdiv: PCLK or ISO, divider
# /1../16) sets the time: the self-written test firmware tests/fw/clockdiv
# runs at every divider and at ISO; the cycles must not change and the
# reported inference time must scale by exactly the divider.
# usage: clock_divider_test.sh MAX78SIM JSON_GET FIRMWARE_DIR WORKDIR
set -u
max78sim=$1 json_get=$2 fw=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
base_cycles= base_hundredths=
fail=0
printf "%-6s %4s %12s %10s %12s %12s\n" clock div cnn_hz cycles "time us" "timer us"
for cfg in PCLK:1 PCLK:2 PCLK:4 PCLK:8 PCLK:16 ISO:1 ISO:4; do
  sel=${cfg%:*} div=${cfg#*:}
  d="$work/$sel-$div"
  cp -r "$fw" "$d"
  sed -i "s/CNNCLKSEL_PCLK$/CNNCLKSEL_$sel/; s/CNNCLKDIV_DIV1$/CNNCLKDIV_DIV$div/" "$d/cnn.h"
  grep -q "CNNCLKDIV_DIV$div\$" "$d/cnn.h" || { echo "could not set the divider"; exit 1; }
  out=$("$max78sim" run "$d" --no-table --json "$d/report.json" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then echo "$out"; echo "$sel/$div: max78sim exited $rc"; exit 1; fi
  timer=$(echo "$out" | sed -n 's/^Approximate inference time: \([0-9]*\) us$/\1/p')
  read -r cycles hz t src dv < <("$json_get" "$d/report.json" inference.cycles clock.cnn_hz inference.time_us \
                                   clock.source clock.divider | tr '\n' ' ')
  printf "%-6s %4s %12s %10s %12s %12s\n" "$src" "$dv" "$hz" "$cycles" "$t" "$timer"
  [ "$src" = "$sel" ] && [ "$dv" = "$div" ] || { echo "report says $src/$dv, firmware set $sel/$div"; fail=1; }
  base_hz=50000000; [ "$sel" = ISO ] && base_hz=60000000
  [ "$hz" = "$((base_hz / div))" ] || { echo "CNN clock $hz Hz, expected $((base_hz / div))"; fail=1; }
  # time in hundredths of a microsecond, compared as integers
  th=$(awk -v t="$t" 'BEGIN { printf "%.0f", t * 100 }')
  if [ -z "$base_cycles" ]; then base_cycles=$cycles base_hundredths=$th; fi
  [ "$cycles" = "$base_cycles" ] || { echo "cycles changed with the clock: $cycles vs $base_cycles"; fail=1; }
  # PCLK: exactly div times the /1 time; ISO: cycles at 60 MHz / div
  want=$(awk -v c="$cycles" -v hz=$((base_hz / div)) 'BEGIN { printf "%.0f", c * 1e8 / hz }')
  [ "$th" = "$want" ] || { echo "time ${t} us, expected $(awk -v w=$want 'BEGIN{print w/100}') us"; fail=1; }
  if [ "$sel" = PCLK ] && [ "$th" != "$((base_hundredths * div))" ]; then
    echo "time ${t} us is not $div x the /1 time"; fail=1
  fi
done
[ $fail -eq 0 ] && echo "the reported time scales exactly with the CNN clock divider"
exit $fail

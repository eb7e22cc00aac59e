#!/usr/bin/env bash
# The findings of issue 18, one case per CTest (docs/reliability.md):
# output files, size limits, traces' memory and numbers, the hang check,
# leaks, failed builds and the layer dumps of multi-operand layers.
# usage: reliability_test.sh CASE MAX78SIM SOURCE_DIR WORKDIR [TOOL [ARGS...]]
set -u
case_=$1 m=$2 src=$3 work=$4 tool=${5:-}
shift $(($# < 5 ? $# : 5))
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 1
fw=$src/tests/fw/pool-max

# runs "$@" and checks the exit status ($1) and that stderr has a max78sim line
expect_rc() {
  local want=$1 what=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -ne "$want" ]; then bad "$what: exit $rc (expected $want): $err"
  else ok "$what -> exit $rc $(printf '%s\n' "$err" | grep '^max78sim' | tail -1)"; fi
}

case $case_ in
special-files) # finding 1
  mkfifo fifo
  timeout 120 cat fifo > from-fifo &
  reader=$!
  "$m" run "$fw" --quiet --json fifo >/dev/null 2>err.txt; rc=$?
  # an unfixed writer replaces the FIFO: the reader would wait forever
  [ -p fifo ] || kill $reader 2>/dev/null
  wait $reader
  [ $rc -eq 0 ] || bad "--json FIFO: exit $rc: $(cat err.txt)"
  [ -p fifo ] && ok "the FIFO is still a FIFO" || bad "--json replaced the FIFO with a regular file"
  grep -q '"schema"' from-fifo && ok "the report went through the FIFO" || bad "nothing came through the FIFO"

  echo old > real.json
  ln -s real.json link.json
  "$m" run "$fw" --quiet --json link.json >/dev/null 2>err.txt || bad "--json symlink: $(cat err.txt)"
  [ -L link.json ] && ok "the symlink is still a symlink" || bad "--json replaced the symlink with a regular file"
  grep -q '"schema"' real.json && ok "the report went to the symlink's target" || bad "the symlink's target was not written"

  # /dev/stdout through a pipe and into a file (a link of our own to
  # /proc/self/fd/1, so an unfixed writer cannot replace the system's)
  ln -s /proc/self/fd/1 stdout-link
  "$m" run "$fw" --quiet --no-table --json stdout-link 2>err.txt | cat > piped.txt
  [ -L stdout-link ] || bad "--json /proc/self/fd/1 (a pipe) replaced the link"
  grep -q '"schema"' piped.txt && ok "the report went down the pipe" || bad "the pipe got no report: $(cat err.txt)"
  rm -f stdout-link && ln -s /proc/self/fd/1 stdout-link
  "$m" run "$fw" --quiet --json stdout-link > to-file.txt 2>err.txt
  [ -L stdout-link ] || bad "--json /proc/self/fd/1 (a file) replaced the link"
  grep -q '"schema"' to-file.txt && grep -q '^total' to-file.txt &&
    ok "the report went into stdout's file, after the table" || bad "stdout's file lost the table or the report"

  mkdir adir
  expect_rc 2 "--json on a folder" "$m" run "$fw" --quiet --json adir
  [ -d adir ] || bad "the folder was replaced"
  # a device that refuses writes: one clear error, the device untouched
  if [ -c /dev/full ] && [ "${M78_TEST_DEV_FULL:-1}" = 1 ]; then
    expect_rc 2 "--json /dev/full" "$m" run "$fw" --quiet --json /dev/full
    [ -c /dev/full ] && ok "/dev/full is still a character device" || bad "/dev/full was replaced"
  fi
  # a regular file is still replaced whole (and atomically)
  echo old > plain.json
  "$m" run "$fw" --quiet --json plain.json >/dev/null 2>&1 && grep -q '"schema"' plain.json &&
    ok "a regular file is replaced" || bad "a regular file was not written"
  ls -a | grep -q '\.tmp' && bad "a temporary file was left behind: $(ls -a)"
  ;;

dump-dir) # finding 7
  mkdir broken && cp "$fw"/* broken/ && echo "this does not compile;" >> broken/main.c
  expect_rc 2 "a firmware that does not build" "$m" run broken --quiet --dump-layers out/dumps
  [ ! -e out ] && ok "no --dump-layers folder left behind" || bad "the failed build left $(find out)"
  expect_rc 2 "a missing firmware" "$m" run nothere --quiet --dump-layers out2
  [ ! -e out2 ] && ok "no folder for a missing firmware" || bad "a missing firmware left out2"
  # a run that stops at the cycle budget still reports what it simulated
  expect_rc 2 "a run stopped by the cycle budget" "$m" run "$fw" --quiet --max-cycles 10 --dump-layers out3
  [ -f out3/layers.json ] && ok "a stopped run keeps the dumps its report describes" || bad "out3 has no dumps"
  # a firmware killed before it reports (a crash, here SIGKILL from the
  # wall-clock limit) leaves no dumps
  mkdir spin && cp "$fw"/* spin/ &&
    sed -i 's/^int main(void)$/int main(void)\n{ for (volatile unsigned long i = 0;; i++) (void)0; }\nint main_unused(void)/' spin/main.c
  grep -q main_unused spin/main.c || bad "could not make the spinning firmware"
  expect_rc 2 "a firmware stopped at the wall-clock limit" env M78SIM_HANG_MS=100000 "$m" run spin --quiet --timeout 2 --dump-layers out4
  [ ! -e out4 ] && ok "no dumps of a run that wrote no report" || bad "the stopped run left $(find out4)"
  mkdir keep
  expect_rc 2 "a failed build into an existing folder" "$m" run broken --quiet --dump-layers keep
  [ -d keep ] && [ -z "$(ls -A keep)" ] && ok "an existing folder is kept as it was" || bad "keep changed"
  "$m" run "$fw" --quiet --dump-layers good/d >/dev/null 2>&1 && [ -f good/d/layers.json ] &&
    ok "a good run writes its dumps" || bad "a good run wrote no dumps"
  ;;

device-size) # finding 2: the size is checked before reading
  truncate -s 2G sparse.bin
  # a memory cap: an unbounded reader fails on it instead of eating the host
  # (not under AddressSanitizer, whose shadow memory needs terabytes of
  # address space; the sanitizer job sets M78_SANITIZED)
  cap=800000
  [ -z "${M78_SANITIZED:-}" ] || cap=unlimited
  out=$( (ulimit -v $cap; "$m" compare "$fw" --device sparse.bin) 2>&1); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "limit" && ok "2 GiB sparse file: $out" ||
    bad "2 GiB sparse file: exit $rc: $out"
  out=$( (ulimit -v $cap; timeout 60 "$m" compare "$fw" --device /dev/zero) 2>&1); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "limit" && ok "/dev/zero: $out" || bad "/dev/zero: exit $rc: $out"
  "$m" compare --help | grep -q "64 MiB a file" && ok "--help states the limit" || bad "--help states no limit"
  ;;

trace-memory) # finding 3: a size limit, and memory of about the file's size
  truncate -s 300M huge.json
  out=$("$m" replay huge.json 2>&1); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "limit" && ok "300 MiB trace: $out" || bad "300 MiB trace: exit $rc: $out"
  out=$(timeout 60 "$m" trace show /dev/zero 2>&1); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "limit" && ok "/dev/zero: $out" || bad "/dev/zero: exit $rc: $out"
  "$m" replay --help | grep -q "at most 256 MiB" && ok "replay --help states the limit" || bad "replay --help: no limit"
  # a valid trace of ~40 MB of single accesses (the header of a recorded one)
  /usr/bin/python3 - "$src/traces/pool-max.json" big.json <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    f.write('{"format":"max78sim-trace","version":1,"device":"MAX78000","clock":%s,"entries":[\n'
            % json.dumps(t["clock"]))
    f.write('{"t":0,"op":"power","on":"0xf","reset":"0x0"},\n{"t":1,"op":"clock","enabled":true}')
    for i in range(700000):
        f.write(',\n{"t":%d,"op":"r","addr":"0x50100000","width":4,"name":"Q0.CTRL"}' % (i + 2))
    f.write(',\n{"t":700002,"op":"end"}\n]}\n')
PY
  size=$(stat -c %s big.json)
  for cmd in "replay big.json --no-table" "trace show big.json"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f %M -o rss.txt "$m" $cmd >/dev/null 2>err.txt; rc=$?
    kb=$(tail -1 rss.txt)
    # the text plus 24 bytes an access, and the program itself: under 2x the file
    limit=$((size * 2 / 1024))
    if [ $rc -eq 0 ] && [ "$kb" -lt $limit ]; then ok "$cmd: $((size / 1024)) KiB trace, peak $kb KiB (limit $limit)"
    else bad "$cmd: exit $rc, peak $kb KiB for a $((size / 1024)) KiB trace (limit $limit): $(head -2 err.txt)"; fi
  done
  ;;

trace-numbers) # finding 4: every numeric field of a trace is checked
  "$m" run "$fw" --quiet --record rec.json >/dev/null 2>&1 || bad "cannot record a trace"
  grep -q '"cpu"' rec.json || bad "the recorded trace has no cpu section"
  n=0
  for edit in 'del cpu["phases"][0]["accesses"]' 'cpu["phases"][0]["accesses"]="many"' \
              'cpu["phases"][0]["bytes"]=-1' 'cpu["phases"][0]["segments"]=1.5' 'del cpu["phases"][0]["time_us"]' \
              'cpu["phases"][0]["energy_uj"]=None' 'del cpu["monitor"]["repetitions"]' 'cpu["monitor"]["valid"]="yes"' \
              'cpu["monitor"]["idle_mw"]="x"' 'del cpu["inference_wall_us"]' 'cpu["monitor"]["stages"]=[{"name":"a"}]' \
              'cpu["phases"][0]["accesses"]=1e300' 'cpu["emulated"]={"instructions":"1","cycles":1,"guest_errors":0,"first_error":""}'; do
    n=$((n + 1))
    /usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); cpu=t["cpu"]; exec(sys.argv[3]); json.dump(t,open(sys.argv[2],"w"))' \
      rec.json bad$n.json "$edit"
    out=$("$m" replay bad$n.json --json bad$n.report 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q '^max78sim: ' && [ ! -e bad$n.report ]; then ok "$edit -> $out"
    else bad "$edit: exit $rc, $(ls bad$n.report 2>/dev/null) $out"; fi
  done
  "$m" replay rec.json --quiet --json good.report && grep -q '"accesses"' good.report && ok "the recorded trace replays" ||
    bad "the recorded trace does not replay"
  ;;

hang) # finding 5: the hang check does not depend on host load
  variant() { # name, code run first in main()
    mkdir "$1" && cp "$fw"/* "$1"/ &&
      /usr/bin/python3 -c 'import sys; p=sys.argv[1]+"/main.c"; s=open(p).read(); s=s.replace("int main(void)\n{\n", "#include <time.h>\nint main(void)\n{\n" + sys.argv[2] + "\n", 1); open(p,"w").write(s)' "$1" "$2"
  }
  # not scheduled for 1.5 s (a loaded host, here a sleep): no hardware
  # access for longer than the 1000 ms default, but no CPU time either
  variant sleeper '{ struct timespec ts = {1, 500000000}; nanosleep(&ts, 0); }'
  out=$("$m" run sleeper --quiet 2>&1); rc=$?
  [ $rc -eq 0 ] && ok "a firmware idle for 1.5 s of host time passes" || bad "an idle firmware: exit $rc: $out"
  # about 0.5 s of CPU in C code, then the CNN: a hang below the limit, a
  # pass above it
  variant busy '{ volatile unsigned long long x = 0; struct timespec a, b; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do { for (int i = 0; i < 1000000; i++) x += i; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b); }
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 500); }'
  out=$("$m" run busy --quiet --hang-ms 150 2>&1); rc=$?
  if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "hangs" && printf '%s' "$out" | grep -q "guess" &&
     printf '%s' "$out" | grep -q -- "--hang-ms"; then ok "--hang-ms 150: $out"
  else bad "--hang-ms 150: exit $rc: $out"; fi
  out=$("$m" run busy --quiet --hang-ms 20000 2>&1); rc=$?
  [ $rc -eq 0 ] && ok "--hang-ms 20000: the finite loop finishes" || bad "--hang-ms 20000: exit $rc: $out"
  expect_rc 2 "--hang-ms 0" "$m" run busy --hang-ms 0
  "$m" run --help | grep -q -- "--hang-ms MS" && ok "run --help states --hang-ms" || bad "run --help: no --hang-ms"
  ;;

leaks) # finding 6: a sanitized firmware process frees everything (the
  # sanitizer build only: LeakSanitizer at its defaults)
  unset ASAN_OPTIONS LSAN_OPTIONS
  for opts in "" "--record t.json --timeline tl.json --dump-layers d"; do
    # shellcheck disable=SC2086
    "$m" run "$fw" --quiet --json r.json $opts >out.txt 2>err.txt; rc=$?
    if [ $rc -eq 0 ] && ! grep -q "Sanitizer" err.txt; then ok "run ${opts:-(plain)}: no leak"
    else bad "run ${opts:-(plain)}: exit $rc: $(grep -m3 -E 'Sanitizer|Direct leak|#[0-4] ' err.txt)"; fi
  done
  "$m" replay t.json --quiet --json r2.json 2>err.txt && ! grep -q "Sanitizer" err.txt && ok "replay: no leak" ||
    bad "replay: $(grep -m3 -E 'Sanitizer|Direct leak' err.txt)"
  ;;

multi-operand-dumps) # finding 8: TOOL is kat_runner, ARGS go to the script
  # (the reference model is found beside the corpus: $M78SIM_CORPUS/../spec)
  /usr/bin/python3 "$src/tests/scripts/multi_operand_dumps.py" --max78sim "$m" --kat-runner "$tool" \
    --work "$work/cases" --jobs 2 "$@"
  exit $?
  ;;

*) echo "unknown case $case_"; exit 2 ;;
esac
exit $fail

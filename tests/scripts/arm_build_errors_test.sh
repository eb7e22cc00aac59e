#!/usr/bin/env bash
# `max78sim build` refuses bad input with a message and the documented
# exit status, and leaves no output file (nor a temporary one) behind:
# a folder that is not a synthesized project, a missing -o, an output in
# a folder that cannot be written, a missing compiler, and a firmware
# that does not compile (exit 3 with the compiler's message).
# usage: arm_build_errors_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
[ -d "$corpus/mnist/firmware" ] || { echo "no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work/out"
fail=0

# expect NAME STATUS REGEX -- ARGS...: exit status STATUS, stderr matching
# REGEX, and $work/out still empty.
expect() {
  local name=$1 want=$2 re=$3
  shift 4
  "$m" build "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  if [ $rc -ne "$want" ]; then
    echo "FAIL: $name: exit $rc, expected $want: $(cat "$work/stderr")"; fail=1
  elif ! grep -qE "$re" "$work/stderr"; then
    echo "FAIL: $name: message does not match /$re/: $(cat "$work/stderr")"; fail=1
  elif [ -n "$(ls -A "$work/out")" ]; then
    echo "FAIL: $name: left files behind: $(ls -A "$work/out")"; fail=1
  else
    echo "ok: $name (exit $rc): $(head -1 "$work/stderr")"
  fi
  rm -rf "$work/out" && mkdir -p "$work/out"
}

mkdir -p "$work/notfw" && echo 'int main(void) { return 0; }' >"$work/notfw/main.c"
expect "not a synthesized folder" 2 'not a synthesized project \(no cnn\.c in .*notfw\)' -- "$work/notfw" -o "$work/out/x.elf"
# a corpus case folder is one of the DIR|MODEL forms (issue 21, tools/resolve.h): it builds
if "$m" build "$corpus/mnist" -q -o "$work/case.elf" && [ -s "$work/case.elf" ]; then
  echo "ok: corpus case folder builds its firmware/"
else
  echo "FAIL: build of the corpus case folder $corpus/mnist"; fail=1
fi
rm -f "$work/case.elf"
expect "no such folder or model" 2 'no such firmware folder' -- "$work/nope" -o "$work/out/x.elf"
expect "missing -o" 2 'missing -o FILE\.elf' -- "$corpus/mnist/firmware"
expect "output is a folder" 2 'is a folder' -- "$corpus/mnist/firmware" -o "$work/out"
: >"$work/afile"
expect "output under a file" 2 'cannot write' -- "$corpus/mnist/firmware" -o "$work/afile/x.elf"
mkdir -p "$work/out/ro" && chmod a-w "$work/out/ro"
if [ -w "$work/out/ro" ]; then
  echo "skip: unwritable output (running as a user who can write anywhere)"
  rm -rf "$work/out/ro"
else
  "$m" build "$corpus/mnist/firmware" -o "$work/out/ro/x.elf" >"$work/stdout" 2>"$work/stderr"; rc=$?
  if [ $rc -ne 2 ] || ! grep -q 'cannot write' "$work/stderr" || [ -n "$(ls -A "$work/out/ro")" ]; then
    echo "FAIL: unwritable output: exit $rc, $(cat "$work/stderr"), left: $(ls -A "$work/out/ro")"; fail=1
  else
    echo "ok: unwritable output (exit 2): $(cat "$work/stderr")"
  fi
  chmod u+w "$work/out/ro" && rm -rf "$work/out/ro"
fi
expect "compiler missing" 2 'not found: install the Arm toolchain \(Debian packages gcc-arm-none-eabi' -- \
  "$corpus/mnist/firmware" -o "$work/out/x.elf" --cc "$work/no-such-gcc"

# A firmware that does not compile: the corpus mnist with a broken main.c,
# in a copy under the work folder (the corpus itself is never touched).
mkdir -p "$work/broken" && cp "$corpus/mnist/firmware/"* "$work/broken/"
printf '\nint broken(void) { return undeclared_symbol; }\n' >>"$work/broken/main.c"
expect "compile error" 3 'undeclared_symbol' -- "$work/broken" -o "$work/out/x.elf"

# A firmware too big for the flash: the linker refuses, exit 3.  A
# constructor (kept through .init_array) holds on to the array, so
# --gc-sections cannot drop it.
cp "$corpus/mnist/firmware/main.c" "$work/broken/main.c"
cat >"$work/broken/big.c" <<'BIG'
const unsigned char m78_too_big[600 * 1024] = {1};
__attribute__((constructor)) static void m78_keep(void) { (void)*(volatile const unsigned char *)m78_too_big; }
BIG
expect "flash overflow" 3 'FLASH|overflow|will not fit' -- "$work/broken" -o "$work/out/x.elf"

[ $fail -eq 0 ] && echo "ok: all build errors reported, nothing left behind"
exit $fail

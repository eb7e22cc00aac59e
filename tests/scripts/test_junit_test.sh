#!/usr/bin/env bash
# max78sim test DIR... --junit FILE (issue 21): one testcase per project
# in the order given (a passing one, a failing one, a name that resolves
# to nothing), with --jobs 2; the XML validated by xmllint (when
# installed; install-deps.sh installs libxml2-utils) and by
# junit_check.py; exit codes; no temporary file left; the sample CI
# script tools/scripts/firmware-ci.sh.
# usage: test_junit_test.sh MAX78SIM SOURCE_DIR CORPUS_DIR WORKDIR
set -u
m=$1 src=$2 corpus=$3 work=$4
[ -d "$corpus/mnist/firmware" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
rm -rf "$work" && mkdir -p "$work/out"
fail=0
# a failing project: mnist with a layer the simulator cannot decode
cp -r "$corpus/mnist/firmware" "$work/bad"
sed -i 's|\*((volatile uint32_t \*) 0x50100120) = 0x00000100;|*((volatile uint32_t *) 0x50100120) = 0x00000200;|' "$work/bad/cnn.c"
xmlok() {
  if command -v xmllint >/dev/null; then
    xmllint --noout "$1" && echo "ok: xmllint accepts $1" || { echo "FAIL: xmllint rejects $1"; fail=1; }
  else
    echo "note: no xmllint (apt-get install libxml2-utils); junit_check.py parses the XML"
  fi
}
out=$("$m" test mnist "$work/bad" no-such-project "$corpus/cifar-10" --jobs 2 --junit "$work/out/j.xml" 2>&1); rc=$?
echo "$out"
[ $rc -eq 1 ] || { echo "FAIL: exit $rc, want 1 (one failure, one error)"; fail=1; }
echo "$out" | grep -q '^4 projects: 2 passed, 1 failed, 1 error' || { echo "FAIL: summary line"; fail=1; }
xmlok "$work/out/j.xml"
python3 "$src/tests/scripts/junit_check.py" "$work/out/j.xml" mnist:pass "$work/bad:failure" no-such-project:error \
  "$corpus/cifar-10:pass" || fail=1
ls "$work/out" | grep -q tmp && { echo "FAIL: a temporary file is left in $work/out"; fail=1; }
# all pass: exit 0
"$m" test mnist -q --junit "$work/out/ok.xml" >/dev/null; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: an all-pass test exits $rc"; fail=1; }
python3 "$src/tests/scripts/junit_check.py" "$work/out/ok.xml" mnist:pass || fail=1
# usage errors: exit 2, nothing written
err=$("$m" test mnist --junit "$work/nodir/j.xml" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "ok: --junit into a missing folder -> $err" || { echo "FAIL: exit $rc: $err"; fail=1; }
err=$("$m" test 2>&1); rc=$?
[ $rc -eq 2 ] && echo "ok: no project -> $err" || { echo "FAIL: exit $rc: $err"; fail=1; }
# the sample CI script, as a firmware repository would call it
MAX78SIM="$m" JUNIT="$work/out/ci.xml" bash "$src/tools/scripts/firmware-ci.sh" mnist >/dev/null; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: firmware-ci.sh exits $rc"; fail=1; }
xmlok "$work/out/ci.xml"
python3 "$src/tests/scripts/junit_check.py" "$work/out/ci.xml" mnist:pass || fail=1
exit $fail

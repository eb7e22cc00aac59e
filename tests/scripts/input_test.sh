#!/usr/bin/env bash
# run --input, input export and eval (issue 15):
#  - bad inputs: one error line naming the file, exit 2, no partial output;
#  - a user input ends after the inference with a prediction (exit 0);
#  - eval gives the same per-input results with --jobs 1 and --jobs 2, and
#    the same class scores and cycles as run --input on each input.
# usage: input_test.sh MAX78SIM CORPUS_DIR WORKDIR
set -u
m=$1 corpus=$2 work=$3
py=/usr/bin/python3
fail=0
[ -d "$corpus/mnist" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
$py -c 'import numpy' 2>/dev/null || { echo "SKIP: python3-numpy missing"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
mn=$corpus/mnist/firmware
expect2() { # description, expected substring, command...
  local what=$1 want=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  local lines; lines=$(printf '%s\n' "$err" | grep -c '^max78sim: ')
  if [ $rc -ne 2 ] || [ "$lines" -lt 1 ] || ! printf '%s' "$err" | grep -qF -- "$want"; then
    echo "FAIL: $what: exit $rc, stderr: $err"; fail=1
  else echo "ok: $what -> $(printf '%s\n' "$err" | grep '^max78sim: ' | tail -1)"; fi
}
$py - "$work" <<'PY'
import numpy as np, sys, os
w = sys.argv[1]; rng = np.random.default_rng(7)
np.save(f"{w}/ok.npy", rng.integers(-128, 128, (1, 28, 28), dtype=np.int8))
np.save(f"{w}/shape.npy", np.zeros((1, 32, 32), np.int8))
np.save(f"{w}/hwc.npy", np.zeros((180, 180, 3), np.uint8))
np.save(f"{w}/dtype.npy", np.zeros((1, 28, 28), np.complex64))
np.save(f"{w}/range.npy", np.full((1, 28, 28), 300, np.int32))
os.makedirs(f"{w}/set", exist_ok=True); os.makedirs(f"{w}/empty", exist_ok=True)
X = rng.integers(-128, 128, (6, 1, 28, 28), dtype=np.int8)
for i, x in enumerate(X): np.save(f"{w}/set/s{i}.npy", x)
np.save(f"{w}/batch.npy", X)
with open(f"{w}/labels.csv", "w") as f:
    f.write("file,label\n" + "".join(f"s{i}.npy,{i % 10}\n" for i in range(6)))
with open(f"{w}/badlabels.csv", "w") as f:
    f.write("file,label\n" + "".join(f"t{i}.npy,{i}\n" for i in range(6)))
open(f"{w}/notimage.png", "w").write("not a png")
open(f"{w}/raw.bin", "wb").write(bytes(784))
import struct, zlib
def png(path, rgb):  # rgb: H x W x 3 uint8
    h, wd, _ = rgb.shape
    raw = b"".join(b"\0" + rgb[y].tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", wd, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
g = rng.integers(0, 256, (28, 28), dtype=np.uint8)
png(f"{w}/grey28.png", np.stack([g, g, g], axis=2))
np.save(f"{w}/grey28-expected.npy", np.clip(np.rint((g / 255.0 - 0.5) * 256), -128, 127).astype(np.int8))
png(f"{w}/grey56.png", np.zeros((56, 56, 3), np.uint8))
PY
expect2 "run --input: missing file" "nothing.npy" "$m" run "$mn" --input "$work/nothing.npy" --json "$work/o1.json"
expect2 "run --input: wrong shape" "layer 0 reads 1x28x28" "$m" run "$mn" --input "$work/shape.npy" --json "$work/o2.json"
expect2 "run --input: HWC image array" "np.transpose" "$m" run animal-yolo-pico --input "$work/hwc.npy"
expect2 "run --input: unsupported dtype" "dtype" "$m" run "$mn" --input "$work/dtype.npy"
expect2 "run --input: int32 out of range" "-128..127" "$m" run "$mn" --input "$work/range.npy"
expect2 "run --input: unreadable image" "notimage.png" "$m" run "$mn" --input "$work/notimage.png"
expect2 "run --input: raw without a shape" "--input-shape" "$m" run "$mn" --input "$work/raw.bin"
expect2 "run --input: raw with a wrong shape" "layer 0 reads" "$m" run "$mn" --input "$work/raw.bin" --input-shape 1x28x27
expect2 "run --input: a folder" "is a folder" "$m" run "$mn" --input "$work/set"
expect2 "run --input with --arch arm" "host runs" "$m" run "$mn" --input "$work/ok.npy" --arch arm
expect2 "eval: empty folder" "no .npy or image" "$m" eval "$mn" --inputs "$work/empty" --csv "$work/e.csv"
expect2 "eval: labels naming other files" "not one of the inputs" "$m" eval "$mn" --inputs "$work/set" --labels "$work/badlabels.csv" --csv "$work/e.csv"
expect2 "eval: wrong batch shape" "N x 1 x 28 x 28" "$m" eval "$mn" --inputs "$work/shape.npy"
expect2 "input export: no -o" "missing -o" "$m" input export "$mn"
for f in o1.json o2.json e.csv; do
  [ -e "$work/$f" ] && { echo "FAIL: $f was left behind after an error"; fail=1; }
done

expect2 "run --input: image of the wrong size" "--resize" "$m" run "$mn" --input "$work/grey56.png"
# an image: the input layer 0 read must be ai8x-training's normalization of its pixels
if "$m" run "$mn" --input "$work/grey28.png" -q --no-table --dump-layers "$work/img" > "$work/img.out" 2>&1 &&
   $py -c "
import numpy as np, sys
a = np.fromfile('$work/img/input.i8', np.int8).reshape(28, 28); e = np.load('$work/grey28-expected.npy')
sys.exit(0 if (a == e).all() else 1)"; then echo "ok: a PNG reaches layer 0 as round((p/255 - 0.5) * 256)"
else echo "FAIL: PNG input"; cat "$work/img.out"; fail=1; fi
"$m" run "$mn" --input "$work/grey56.png" --resize -q --no-table > "$work/resize.out" 2>&1 ||
  { echo "FAIL: --resize"; cat "$work/resize.out"; fail=1; }
# the viewer on a user input (headless screenshot)
if SDL_VIDEODRIVER=dummy "$m" view "$mn" --input "$work/grey28.png" --screenshot "$work/view.png" > "$work/view.out" 2>&1 &&
   [ -s "$work/view.png" ]; then echo "ok: view --input writes a screenshot"
else echo "FAIL: view --input"; cat "$work/view.out"; fail=1; fi
# raw bytes of the right shape run
"$m" run "$mn" --input "$work/raw.bin" --input-shape 1x28x28 -q --no-table > "$work/raw.out" 2>&1 ||
  { echo "FAIL: raw input run"; cat "$work/raw.out"; fail=1; }
# a user input: ends after the inference with a prediction
out=$("$m" run "$mn" --input "$work/ok.npy" -q --no-table --json "$work/ok.json" 2>&1); rc=$?
if [ $rc -ne 0 ] || ! grep -q "does not apply to this input" <<<"$out" || ! grep -q "^prediction: " <<<"$out"; then
  echo "FAIL: run --input: exit $rc: $out"; fail=1
else echo "ok: run --input ends after the inference with a prediction"; fi

# compare on the same input: a simulated faulty board's data memory is caught, a clean one matches
"$m" run "$mn" --input "$work/ok.npy" -q --no-table --fault sram:inst=0,bit=12,value=1,layer=4 --dump-layers "$work/bad" >/dev/null 2>&1
"$m" run "$mn" --input "$work/ok.npy" -q --no-table --dump-layers "$work/good" >/dev/null 2>&1
"$m" compare "$mn" --input "$work/ok.npy" --device "$work/bad/sram.bin" > "$work/cmp1.out" 2>&1; r1=$?
"$m" compare "$mn" --input "$work/ok.npy" --device "$work/good/sram.bin" > "$work/cmp2.out" 2>&1; r2=$?
"$m" compare "$mn" --device "$work/good/sram.bin" > "$work/cmp3.out" 2>&1; r3=$?
if [ $r1 -eq 1 ] && grep -q "first diverging layer: 4" "$work/cmp1.out" && [ $r2 -eq 0 ] && [ $r3 -eq 1 ]; then
  echo "ok: compare --input: the faulty board's layer 4 found, the clean board identical, the baked sample differs"
else echo "FAIL: compare --input: exits $r1 $r2 $r3"; cat "$work/cmp1.out" "$work/cmp2.out"; fail=1; fi

# eval: jobs 1 == jobs 2, folder == batch .npy, and == run --input per input
"$m" eval "$mn" --inputs "$work/set" --labels "$work/labels.csv" --csv "$work/j1.csv" --jobs 1 > "$work/j1.out" || fail=1
"$m" eval "$mn" --inputs "$work/set" --labels "$work/labels.csv" --csv "$work/j2.csv" --jobs 2 > "$work/j2.out" || fail=1
"$m" eval "$mn" --inputs "$work/batch.npy" --csv "$work/b.csv" --json "$work/b.json" --layer-csv "$work/bl.csv" \
  > /dev/null || fail=1
"$m" run "$mn" --input "$work/set/s0.npy" -q --no-table --csv "$work/r0l.csv" > /dev/null || fail=1
if cmp -s "$work/bl.csv" "$work/r0l.csv"; then echo "ok: eval --layer-csv equals run --input --csv of the first input"
else echo "FAIL: eval --layer-csv differs from run --csv"; diff "$work/bl.csv" "$work/r0l.csv" | head; fail=1; fi
if cmp -s "$work/j1.csv" "$work/j2.csv"; then echo "ok: eval --jobs 1 and --jobs 2 identical"
else echo "FAIL: eval --jobs 1 and 2 differ"; diff "$work/j1.csv" "$work/j2.csv" | head; fail=1; fi
# two engine threads: the server forks a child per request, which must
# start its own threads (it once waited for the parent's forever)
timeout 120 "$m" eval "$mn" --inputs "$work/set" --labels "$work/labels.csv" --csv "$work/t2.csv" --jobs 2 --threads 2 \
  > "$work/t2.out"; rc=$?
if [ $rc -eq 0 ] && cmp -s "$work/j1.csv" "$work/t2.csv"; then echo "ok: eval --threads 2 identical to --threads 1"
else echo "FAIL: eval --threads 2: exit $rc (124: timed out), or its results differ"; diff "$work/j1.csv" "$work/t2.csv" | head; fail=1; fi
grep -q "^accuracy: " "$work/j1.out" || { echo "FAIL: eval printed no accuracy"; fail=1; }
$py - "$m" "$mn" "$work" <<'PY' || fail=1
import csv, json, subprocess, sys
m, mn, w = sys.argv[1:4]
rows = {r["input"]: r for r in csv.DictReader(open(f"{w}/j1.csv"))}
brows = list(csv.DictReader(open(f"{w}/b.csv")))
bad = 0
for i in range(6):
    r = rows[f"s{i}.npy"]
    if [brows[i][k] for k in brows[i] if k.startswith("score_")] != [r[k] for k in r if k.startswith("score_")]:
        print(f"FAIL: eval of the batch .npy differs from the folder at input {i}"); bad = 1
    subprocess.run([m, "run", mn, "--input", f"{w}/set/s{i}.npy", "-q", "--no-table", "--json", f"{w}/r{i}.json"],
                   check=True, capture_output=True)
    rep = json.load(open(f"{w}/r{i}.json"))
    scores = [int(o["value"]) for o in rep["prediction"]["outputs"]]
    ev = [int(r[f"score_{k}"]) for k in range(10)]
    if scores != ev or int(r["cycles"]) != rep["inference"]["cycles"]:
        print(f"FAIL: input {i}: eval {ev} cycles {r['cycles']}, run --input {scores} cycles {rep['inference']['cycles']}")
        bad = 1
print("ok: eval equals run --input on every input" if not bad else "FAIL: eval and run --input differ")
sys.exit(bad)
PY
[ $fail -eq 0 ] && echo "input tests: all passed" || echo "input tests: FAILED"
exit $fail

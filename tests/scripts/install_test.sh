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

# the viewer and image module, loaded from the prefix: the sample as a PNG
# and back is the sample again (the firmware's own check runs on it)
if [ -f "$work/prefix/lib/max78sim/libmax78sim-viz.so" ]; then
  M78SIM_CACHE="$work/cache" "$work/prefix/bin/max78sim" input export "$corpus/mnist/firmware" -o "$work/sample.png" ||
    { echo "installed max78sim: input export to PNG failed"; exit 1; }
  out=$(M78SIM_CACHE="$work/cache" "$work/prefix/bin/max78sim" run "$corpus/mnist/firmware" -q --input "$work/sample.png" 2>&1)
  echo "$out" | grep -q "equals the firmware's baked-in sample" || { echo "installed max78sim: the PNG input"; echo "$out"; exit 1; }
fi

# the host API: header, pkg-config file and library, used by a C program
pc="$work/prefix/lib/pkgconfig"
[ -f "$pc/max78sim.pc" ] || { echo "no max78sim.pc installed"; exit 1; }
cat > "$work/api.c" <<'C'
#include <stdio.h>
#include "max78sim/net.h"
int main(int argc, char **argv)
{
  struct m78net_error e;
  m78net *net;
  if (m78net_open(&net, argv[1], NULL, &e)) { printf("open: %s\n", e.msg); return 1; }
  int c, h, w;
  m78net_input_shape(net, &c, &h, &w);
  m78net_result *r;
  if (m78net_run(net, m78net_sample(net), (size_t)c * h * w, 0, &r, &e)) { printf("run: %s\n", e.msg); return 1; }
  printf("class %d cycles %llu\n", m78net_result_class(r), (unsigned long long)m78net_result_cycles(r));
  m78net_result_free(r);
  m78net_close(net);
  return 0;
}
C
flags=$(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs max78sim) || { echo "pkg-config max78sim failed"; exit 1; }
cc -o "$work/api" "$work/api.c" $flags -Wl,-rpath,"$work/prefix/lib" || { echo "the API example does not build"; exit 1; }
out=$(M78SIM_CACHE="$work/cache" "$work/api" "$corpus/mnist/firmware" 2>&1)
echo "$out"
[ "$out" = "class 7 cycles 70157" ] || { echo "installed C API: unexpected result"; exit 1; }
# the Python module, installed beside the library
if [ -d "$work/prefix/lib/python3/dist-packages" ]; then
  out=$(cd "$work" && M78SIM_CACHE="$work/cache" PYTHONPATH="$work/prefix/lib/python3/dist-packages" /usr/bin/python3 -c \
    "import max78sim; net = max78sim.load('$corpus/mnist/firmware'); r = net.run(net.sample); print(r.prediction, r.cycles)" 2>&1)
  echo "python: $out"
  [ "$out" = "7 70157" ] || { echo "installed Python module: unexpected result"; exit 1; }
fi
echo "install: command, viewer module, C API and Python module work from the prefix"

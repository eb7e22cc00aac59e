#!/usr/bin/python3
"""Seed corpora of the fuzz targets (tests/fuzz/README.md).

usage: gen_seeds.py SOURCE_DIR BUILD_DIR OUT_DIR

OUT_DIR/<target>/ gets: for trace, the recorded traces of traces/ and the
bad traces the CLI tests wrote (BUILD_DIR/tests/trace-cli); for bus, the
same traces turned into bus programs (fuzz_bus.c's 9-byte operations);
for devdata, small device dumps and logs of every form compare reads, and
the CLI tests' bad ones (BUILD_DIR/tests/compare-errors); for elf, the Arm
test programs and bad ELFs (BUILD_DIR/tests/arm-progs, arm-errors); for
gdbproto, packets of every command the stub knows.
"""
import base64, glob, json, os, shutil, struct, sys

src, build, out = sys.argv[1:4]
CNN_BASE = 0x50000000


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def copy_small(target, pattern, limit=1 << 20):
    for p in sorted(glob.glob(pattern)):
        if os.path.isfile(p) and os.path.getsize(p) <= limit:
            put(target, "cli-" + os.path.basename(p), open(p, "rb").read())


def bus_program(trace):
    ops = []
    for e in trace["entries"]:
        op = e.get("op")
        if op in ("r", "w"):
            w = {1: 0, 2: 1, 4: 2}[e["width"]]
            ops.append(struct.pack("<BII", (0 if op == "w" else 1) | w << 2, int(e["addr"], 16) - CNN_BASE,
                                   int(e.get("value", "0x0"), 16)))
        elif op == "block":
            pat, data = e["pattern"], base64.b64decode(e.get("data", ""))
            pos = 0
            for rep in range(min(e["count"], 256)):
                for p in pat:
                    w = p["width"]
                    if "value" in p:
                        v = int(p["value"], 16)
                    else:
                        v = int.from_bytes(data[pos:pos + w], "little")
                        pos += w
                    ops.append(struct.pack("<BII", (0 if p["op"] == "w" else 1) | {1: 0, 2: 1, 4: 2}[w] << 2,
                                           int(p["addr"], 16) + rep * e["stride"] - CNN_BASE, v))
        elif op == "power":
            ops.append(struct.pack("<BII", 3, 1, int(e["on"], 16) | int(e["reset"], 16) << 4))
        elif op == "clock":
            ops.append(struct.pack("<BII", 3, 0, 1 if e["enabled"] else 0))
        ops.append(struct.pack("<BII", 2, 0, 50))  # let the CNN run a little between accesses
    return b"".join(ops[:4096])


for p in sorted(glob.glob(os.path.join(src, "traces", "*.json"))):
    text = open(p, "rb").read()
    put("trace", os.path.basename(p), text)
    put("bus", os.path.basename(p) + ".bin", bus_program(json.loads(text)))
copy_small("trace", os.path.join(build, "tests", "trace-cli", "*.json"))

# device data: an SRAM quadrant fragment at an address, a hex-dump log, a
# capture block, a Data mismatch line, output buffers in hex and decimal
put("devdata", "words.bin", bytes(range(256)) * 4)
put("devdata", "dump.log", "Waiting...\n0x50400000: 00000001 00000002 00000003 00000004\n"
    "0x50400010: fffffff0 0000ff00 00000000 12345678\n")
put("devdata", "capture.log", "max78sim capture: layer 0, stop-after 0, 4 words\n"
    "0x50400000: 00000001 00000002\n0x50400008: 00000003 00000004\nmax78sim capture: end\n")
put("devdata", "mismatch.log", "Data mismatch (1/4) at address 0x50401000: Expected 0x00001234, read 0x00001235.\n")
put("devdata", "out.hex", "fffecf58 00016cc1 0000b1ac 0000749a ffff7268\nfffe0062 fffbd7f1 00065b68 fffdbad1 0\n")
put("devdata", "out.csv", "1, -2, 3, -4, 5, 6, 7, 8, 9, 10\n")
copy_small("devdata", os.path.join(build, "tests", "compare-errors", "*"))

for d in ("arm-progs", "arm-errors"):
    copy_small("elf", os.path.join(build, "tests", d, "*.elf"))
# a minimal ELF header (refused for want of segments) so the corpus is never empty
put("elf", "header.elf", b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack("<HHIIIIIHHHHHH", 2, 40, 1, 0x10000000,
                                                                      52, 0, 0x05000200, 52, 32, 0, 40, 0, 0))


def packet(p):
    return "$%s#%02x" % (p, sum(p.encode()) % 256)


for i, p in enumerate(["qSupported:multiprocess+;swbreak+", "qXfer:features:read:target.xml:0,fff", "qAttached",
                       "qC", "qfThreadInfo", "qsThreadInfo", "QStartNoAckMode", "?", "g", "G" + "00" * 68, "p f",
                       "P0=01000000", "m20000000,10", "M20000000,4:01020304", "X20000000,2:ab", "Z0,10000100,2",
                       "z0,10000100,2", "c", "s", "vCont?", "vCont;c", "Hg0", "T1", "k", "D"]):
    put("gdbproto", "pkt%02d" % i, "+" + packet(p))
put("gdbproto", "ctrl-c", b"\x03+-")
put("gdbproto", "escaped", b"$X20000000,2:}\x03}]#00")

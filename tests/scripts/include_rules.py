#!/usr/bin/env python3
"""Include rules of the stack (docs/architecture.md, issue 14).

    sim/            includes sim/ only, and libc/system headers
    host/           sim/include (the public API) and host/
    firmware_shim/  sim/include, host/, firmware_shim/
    tools/          sim/include, host/, tools/ (and viz/viz.h, see ALLOWED)
    arm/            sim/include, host/, arm/
    viz/            sim/include, host/, viz/
    python/         sim/include, host/, python/
    tests/          anything

Outside sim/ and tests/, nothing includes sim/src/ (the private headers).
sim/ and host/ include no third-party front-end library (SDL, Unicorn,
Python, Criterion); sim/ not cJSON either.  No C string literal starts
with M78SIM_ outside host/include/max78sim/env.h (the environment
protocol is named once).

A quoted include is resolved as the compiler would: beside the including
file first, else by its path under one of the include roots of the tree.
Edges that break a rule would be listed in EXCEPTIONS (none since issue
14 moved the SoC model into host/); the test fails on any new one, and on
a listed one that no longer exists (so that the list only shrinks).

usage: include_rules.py [--list] [ROOT]
"""
import collections
import os
import re
import sys

TOPS = ["sim", "host", "firmware_shim", "tools", "arm", "viz", "python", "tests"]
MAY_INCLUDE = {
    "sim": ["sim/"],
    "host": ["sim/include/", "host/"],
    "firmware_shim": ["sim/include/", "host/", "firmware_shim/"],
    "tools": ["sim/include/", "host/", "tools/"],
    "arm": ["sim/include/", "host/", "arm/"],
    "viz": ["sim/include/", "host/", "viz/"],
    "python": ["sim/include/", "host/", "python/"],
    "tests": [""],
}
THIRD_PARTY = {
    "sim": re.compile(r"^(cjson/|SDL|unicorn/|Python\.h|criterion/|numpy/)"),
    "host": re.compile(r"^(SDL|unicorn/|Python\.h|criterion/|numpy/)"),
}
ENV_HEADER = "host/include/max78sim/env.h"

# Edges that are part of the design, not debts.
ALLOWED = {
    # the CLI's `view` command opens the viewer through its one public header
    ("tools/view_cmd.c", "viz/viz.h"),
}
# the Arm board-support layer is firmware compiled against the same
# MSDK-compatible headers as the host firmware
ALLOWED_PREFIX = [("arm/bsp/", "firmware_shim/include/")]

# Rules that do not hold yet: (including file, included file).  None
# since issue 14 moved the SoC model and run control into host/; a new
# one needs a reason here and in docs/architecture.md.
EXCEPTIONS = set()


def sources(root):
    for top in TOPS:
        for d, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs[:] = sorted(s for s in subdirs if not s.startswith("build") and s not in (".git", "__pycache__"))
            for f in sorted(files):
                if f.endswith((".c", ".h", ".h.in", ".def")):
                    yield os.path.relpath(os.path.join(d, f), root)


def main(argv):
    listing = "--list" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    files = list(sources(root))
    known = set(f[:-3] if f.endswith(".h.in") else f for f in files)
    # an include "a/b.h" names every file whose path ends in /a/b.h
    by_tail = collections.defaultdict(list)
    for f in known:
        parts = f.split("/")
        for k in range(1, len(parts)):
            by_tail["/".join(parts[-k:])].append(f)
    failures, seen = [], set()
    env_literal = re.compile(r'"M78SIM_')
    for f in files:
        top = f.split("/")[0]
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for n, line in enumerate(text.split("\n"), 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^">]+)[">]', line)
            if m and m.group(1) == "<":
                rx = THIRD_PARTY.get(top)
                if rx and rx.match(m.group(2)):
                    failures.append("%s:%d: %s/ includes <%s>, a front-end library" % (f, n, top, m.group(2)))
                continue
            if m:
                inc = m.group(2)
                beside = os.path.normpath(os.path.join(os.path.dirname(f), inc))
                if beside in known:
                    target = beside
                else:
                    cands = sorted(by_tail.get(inc, []))
                    if not cands:
                        continue  # generated (m78_config.h) or vendor firmware headers
                    same = [c for c in cands if c.split("/")[0] == top]
                    target = (same or cands)[0]
                ok = any(target.startswith(p) for p in MAY_INCLUDE[top])
                if top not in ("sim", "tests") and target.startswith("sim/src/"):
                    ok = False
                if (f, target) in ALLOWED or any(f.startswith(a) and target.startswith(b) for a, b in ALLOWED_PREFIX):
                    ok = True
                if not ok:
                    seen.add((f, target))
                    if (f, target) not in EXCEPTIONS:
                        failures.append("%s:%d: includes %s (%s/ may include %s)"
                                        % (f, n, target, top, ", ".join(MAY_INCLUDE[top])))
            if f.endswith((".c", ".h")) and f != ENV_HEADER and top != "tests" and env_literal.search(line) \
                    and not line.lstrip().startswith(("*", "/*", "//")):
                failures.append("%s:%d: an M78SIM_ string literal: use the macro of %s" % (f, n, ENV_HEADER))
    for e in sorted(EXCEPTIONS - seen):
        failures.append("%s -> %s is listed in EXCEPTIONS but no longer included: remove it from the list" % e)
    if listing:
        print("known exceptions still present (%d):" % len(EXCEPTIONS & seen))
        for a, b in sorted(EXCEPTIONS & seen):
            print("  %s -> %s" % (a, b))
    for msg in failures:
        print("FAIL: " + msg)
    if not failures:
        print("include rules: %d files checked, %d known exceptions, no new violation"
              % (len(files), len(EXCEPTIONS)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

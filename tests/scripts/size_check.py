#!/usr/bin/env python3
"""Size check (issue 14): no C source over 800 lines, no function over 150.

Scans the project's own C files (sim, host, firmware_shim, tools, arm,
viz, python, tests; not build folders, not vendor firmware) and fails
when a file or a function is over its limit and not in the exception
lists below.  An exception that no longer applies is reported too, so
that the lists only shrink.  --list prints every file and function over
the limits, listed or not.

A function is counted from the first line of its signature to its
closing brace at column 0 (the tree's style: the opening brace of a
function alone on a line at column 0).

usage: size_check.py [--list] [ROOT]
"""
import os
import re
import sys

FILE_LIMIT = 800
FUNC_LIMIT = 150
DIRS = ["sim", "host", "firmware_shim", "tools", "arm", "viz", "python", "tests"]
SKIP_DIRS = {"build", "fw", ".git", "__pycache__"}

# Files over FILE_LIMIT lines, each with its reason (none since issue 14
# split the last ones; a new one needs a reason here and in
# docs/architecture.md).
FILE_EXCEPTIONS = {
}

# Functions over FUNC_LIMIT lines today, as "path:function" (none since
# issue 14 phase 2; a new one needs a reason here and in docs/architecture.md).
FUNC_EXCEPTIONS = {
}

def c_files(root):
    for top in DIRS:
        base = os.path.join(root, top)
        for d, subdirs, files in os.walk(base):
            subdirs[:] = sorted(s for s in subdirs if s not in SKIP_DIRS and not s.startswith("build"))
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def functions(lines):
    """(name, first line, length) of each function body with '{' at column 0."""
    out = []
    i = 0
    n = len(lines)
    while i < n:
        if lines[i].rstrip() == "{":
            # the signature: its first line is at column 0, continuations are indented
            s = i - 1
            while s > 0 and lines[s][:1] in (" ", "\t"):
                s -= 1
            sig = " ".join(l.strip() for l in lines[s:i])
            m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", sig)
            name = m.group(1) if m else "?"
            j = i + 1
            while j < n and not lines[j].startswith("}"):
                j += 1
            out.append((name, s + 1, j - s + 1))
            i = j + 1
        else:
            i += 1
    return out


def main(argv):
    listing = "--list" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    root = os.path.abspath(root)
    big_files, big_funcs = {}, {}
    for rel in c_files(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) > FILE_LIMIT:
            big_files[rel] = len(lines)
        if rel.endswith(".c"):
            for name, first, length in functions(lines):
                if length > FUNC_LIMIT:
                    big_funcs["%s:%s" % (rel, name)] = (first, length)
    bad = 0
    if listing:
        print("files over %d lines:" % FILE_LIMIT)
        for f, n in sorted(big_files.items(), key=lambda x: -x[1]):
            print("  %5d  %s%s" % (n, f, "" if f in FILE_EXCEPTIONS else "  (NEW)"))
        print("functions over %d lines:" % FUNC_LIMIT)
        for f, (first, n) in sorted(big_funcs.items(), key=lambda x: -x[1][1]):
            print("  %5d  %s (line %d)%s" % (n, f, first, "" if f in FUNC_EXCEPTIONS else "  (NEW)"))
    for f, n in sorted(big_files.items()):
        if f not in FILE_EXCEPTIONS:
            print("FAIL: %s has %d lines (limit %d): split it, or list it in size_check.py with a reason"
                  " and a line in docs/architecture.md" % (f, n, FILE_LIMIT))
            bad = 1
    for f, (first, n) in sorted(big_funcs.items()):
        if f not in FUNC_EXCEPTIONS:
            print("FAIL: %s (line %d) has %d lines (limit %d)" % (f, first, n, FUNC_LIMIT))
            bad = 1
    for f in sorted(FILE_EXCEPTIONS):
        if f not in big_files:
            print("FAIL: %s is listed in FILE_EXCEPTIONS but is not over %d lines: remove it from the list"
                  % (f, FILE_LIMIT))
            bad = 1
    for f in sorted(FUNC_EXCEPTIONS):
        if f not in big_funcs:
            print("FAIL: %s is listed in FUNC_EXCEPTIONS but is not over %d lines: remove it from the list"
                  % (f, FUNC_LIMIT))
            bad = 1
    if not bad:
        print("size check: %d file(s) over %d lines and %d function(s) over %d lines, all listed exceptions"
              % (len(big_files), FILE_LIMIT, len(big_funcs), FUNC_LIMIT))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Every command line the README shows runs and exits as the README says.

THE EXTRACTION RULE (keep README.md and this comment in step):

  * A command is
      - every line of a fenced block opened with ```sh (a line ending in
        a backslash continues on the next; blank lines and lines starting
        with # are skipped; a trailing "# comment" is left to the shell), and
      - every line starting with "$ " inside any other fenced block (the
        "$ " is dropped; the block's other lines are sample output).
    Inline `code` in the prose is never run.
  * Each command runs with bash -c, in order, in one scratch folder made
    to look like the source tree: every top-level entry of the tree is
    linked into it (./build, ./tools, ./traces, ...), ../shared/corpus
    resolves to the corpus, and build/bin is first in PATH so "max78sim"
    works as the README writes it.  Files a command writes into the
    current folder stay in the scratch folder; later commands see them.
  * A command must exit 0, unless HTML comments between the previous
    fenced block and its own (invisible on the rendered page) say more;
    they apply to every command of the next block:
      <!-- readme-test exit=N -->          it must exit N (e.g. compare
                                            with differing data: 1)
      <!-- readme-test setup: CMD -->      run CMD first (its status is
                                            ignored), e.g. to make the
                                            board.log the example reads
      <!-- readme-test append: ARGS -->    append ARGS to each command
                                            (a viewer command gets
                                            --screenshot FILE: no user
                                            can close the window)
      <!-- readme-test skip: REASON -->    do not run the block
  * EXCLUDED below by name, with the reason: the README's first two
    commands, tools/scripts/run-main.sh (it rebuilds this very build
    tree and is what the whole suite is built by) and tools/scripts/test.sh
    (it runs CTest, which runs this test: recursion).

A new README command (eval, --input, a python example, ...) needs nothing
here: put it in a ```sh block (or a "$ " line) and, if it must not exit
0, needs a setup or opens a window, add the comment above the block.

usage: readme_commands_test.py README.md SOURCE_DIR BUILD_DIR CORPUS_DIR WORKDIR [--list]
"""
import os
import re
import shutil
import subprocess
import sys
import time

EXCLUDED = {
    "bash tools/scripts/run-main.sh": "rebuilds the build tree this test runs from (the README's first command)",
    "bash tools/scripts/test.sh": "runs CTest, which runs this test: it would recurse",
}

COMMENT = re.compile(r"<!--\s*readme-test\s+(exit=(\d+)|setup:(.*?)|append:(.*?)|skip:(.*?))\s*-->")


def extract(text):
    """[(line number, command, {exit, setup[], append, skip})]"""
    out, ann = [], {"exit": 0, "setup": [], "append": "", "skip": None}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        for m in COMMENT.finditer(line):
            if m.group(2) is not None:
                ann["exit"] = int(m.group(2))
            elif m.group(3) is not None:
                ann["setup"].append(m.group(3).strip())
            elif m.group(4) is not None:
                ann["append"] = m.group(4).strip()
            else:
                ann["skip"] = m.group(5).strip()
        fence = re.match(r"^\s*```(\S*)\s*$", line)
        if not fence:
            i += 1
            continue
        lang = fence.group(1)
        i += 1
        first = True
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            raw, start = lines[i].strip(), i + 1
            cmd = None
            if lang == "sh":
                while raw.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    raw = raw[:-1] + " " + lines[i].strip()
                if raw and not raw.startswith("#"):
                    cmd = raw
            elif raw.startswith("$ "):
                cmd = raw[2:].strip()
            if cmd:
                out.append((start, cmd, dict(ann, setup=list(ann["setup"]) if first else [])))
                first = False
            i += 1
        i += 1
        ann = {"exit": 0, "setup": [], "append": "", "skip": None}
    return out


def scratch(src, build, corpus, work):
    if os.path.exists(work):
        shutil.rmtree(work)
    root = os.path.join(work, "root")
    os.makedirs(root)
    for e in os.listdir(src):
        if e in (".git", "build"):
            continue
        os.symlink(os.path.join(src, e), os.path.join(root, e))
    os.symlink(build, os.path.join(root, "build"))
    os.makedirs(os.path.join(work, "shared"))
    os.symlink(os.path.abspath(corpus), os.path.join(work, "shared", "corpus"))
    return root


def bare(cmd):
    """The command without a trailing "# comment" (how EXCLUDED names it)."""
    return re.sub(r"\s+#[^'\"]*$", "", cmd).strip()


def main(argv):
    if len(argv) < 6:
        print(__doc__)
        return 2
    readme, src, build, corpus, work = argv[1:6]
    cmds = extract(open(readme).read())
    if "--list" in argv:
        for ln, c, a in cmds:
            print(f"{ln}: {c}  {a}")
        return 0
    if not os.path.isdir(os.path.join(corpus, "mnist")):
        print(f"SKIP: no corpus at {corpus}")
        return 77
    root = scratch(os.path.abspath(src), os.path.abspath(build), corpus, os.path.abspath(work))
    env = dict(os.environ)
    env["PATH"] = os.path.join(os.path.abspath(build), "bin") + os.pathsep + env.get("PATH", "")
    env.pop("M78SIM_CORPUS", None)  # ../shared/corpus, as the README says
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    fail = 0
    for ln, cmd, a in cmds:
        if bare(cmd) in EXCLUDED:
            print(f"skip: README.md:{ln}: {bare(cmd)}  (excluded: {EXCLUDED[bare(cmd)]})")
            continue
        if a["skip"]:
            print(f"skip: README.md:{ln}: {cmd}  ({a['skip']})")
            continue
        for s in a["setup"]:
            subprocess.run(["bash", "-c", s], cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        # appended before a trailing "# comment", or the shell would drop it
        base = bare(cmd) if a["append"] else cmd
        full = base + (" " + a["append"] if a["append"] else "")
        t0 = time.monotonic()
        p = subprocess.run(["bash", "-c", full], cwd=root, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace")
        dt = time.monotonic() - t0
        if p.returncode != a["exit"]:
            print(f"FAIL: README.md:{ln}: {full}: exit {p.returncode}, the README says {a['exit']}")
            print("  " + "\n  ".join(p.stdout.strip().split("\n")[-8:]))
            fail = 1
        else:
            print(f"ok: README.md:{ln}: {full}  (exit {p.returncode}, {dt:.1f} s)")
    excluded = {bare(c) for _, c, _ in cmds} & set(EXCLUDED)
    if excluded != set(EXCLUDED):
        print(f"FAIL: the README no longer shows {sorted(set(EXCLUDED) - excluded)}: update EXCLUDED")
        fail = 1
    ran = sum(1 for _, c, a in cmds if bare(c) not in EXCLUDED and not a["skip"])
    print(f"{ran} README commands run, {len(cmds) - ran} skipped")
    return fail


if __name__ == "__main__":
    sys.exit(main(sys.argv))

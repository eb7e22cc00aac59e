#!/usr/bin/env python3
"""A `max78sim test --junit` file (issue 21).

usage: junit_check.py FILE.xml NAME:VERDICT ...   (VERDICT: pass, failure, error)

The file must parse as XML (xml.etree, standard library), hold one
<testsuites> with one <testsuite>, and one <testcase> per NAME in that
order with that verdict (no child, <failure>, <error>); the tests,
failures and errors attributes of both must count them.
"""
import sys
import xml.etree.ElementTree as ET

import checklib


def main(argv):
    want = [a.rsplit(":", 1) for a in argv[2:]]
    errs = []
    root = ET.parse(argv[1]).getroot()
    if root.tag != "testsuites":
        errs.append(f"root is <{root.tag}>")
    suites = root.findall("testsuite")
    if len(suites) != 1:
        errs.append(f"{len(suites)} <testsuite> elements")
    cases = suites[0].findall("testcase") if suites else []
    if [c.get("name") for c in cases] != [w[0] for w in want]:
        errs.append(f"testcases {[c.get('name') for c in cases]}, wanted {[w[0] for w in want]}")
    for c, (name, verdict) in zip(cases, want):
        got = "failure" if c.find("failure") is not None else "error" if c.find("error") is not None else "pass"
        if got != verdict:
            errs.append(f"{name}: {got}, wanted {verdict}")
        if c.get("classname") != "max78sim.run" or c.get("time") is None:
            errs.append(f"{name}: classname {c.get('classname')!r}, time {c.get('time')!r}")
        for tag in ("failure", "error"):
            e = c.find(tag)
            if e is not None and not e.get("message"):
                errs.append(f"{name}: <{tag}> without a message")
    counts = {"tests": str(len(want)), "failures": str(sum(v == "failure" for _, v in want)),
              "errors": str(sum(v == "error" for _, v in want))}
    for el in [root] + suites:
        for k, v in counts.items():
            if el.get(k) != v:
                errs.append(f"<{el.tag}> {k}={el.get(k)!r}, wanted {v}")
    return checklib.verdict(argv[1], errs, f"{len(cases)} testcases as expected")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Every key a run report can hold is documented (issue 21).

usage: report_schema_check.py SCHEMA.json DOC.md --writer FILE:FUNCTION ... -- REPORT.json ...

1. Each REPORT validates against SCHEMA (docs/report-schema.json).  The
   checker knows the subset of JSON Schema that file uses: type, const,
   enum, properties with additionalProperties false (closed objects),
   required, items, minItems, maxItems.
2. Each key the writers put into a report -- every "key" literal of a
   cJSON_Add...ToObject(obj, "key", ...) call in FUNCTION of FILE -- is a
   property somewhere in SCHEMA, so a key that no test run produces is
   still caught when it is added to the code.
3. Each property of SCHEMA is named in DOC (as "key" in its JSON example
   or as `key` in its text), so the human document is complete too.
Python standard library only.  Exit 0 all good, 1 otherwise.
"""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def type_ok(v, t):
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()
    return isinstance(v, TYPES[t])


def validate(v, s, path, errs):
    if "const" in s and v != s["const"]:
        errs.append(f"{path}: {v!r} is not {s['const']!r}")
    if "enum" in s and v not in s["enum"]:
        errs.append(f"{path}: {v!r} is not one of {s['enum']}")
    t = s.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(type_ok(v, x) for x in ts):
            errs.append(f"{path}: {type(v).__name__} where the schema says {t}")
            return
    if isinstance(v, dict) and "properties" in s:
        props = s["properties"]
        for k in s.get("required", []):
            if k not in v:
                errs.append(f"{path}: required key {k!r} missing")
        for k, x in v.items():
            if k not in props:
                if s.get("additionalProperties", True) is False:
                    errs.append(f"{path}.{k}: key not in the schema (undocumented)")
            else:
                validate(x, props[k], f"{path}.{k}", errs)
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"]:
            errs.append(f"{path}: {len(v)} items, fewer than {s['minItems']}")
        if "maxItems" in s and len(v) > s["maxItems"]:
            errs.append(f"{path}: {len(v)} items, more than {s['maxItems']}")
        if "items" in s:
            for i, x in enumerate(v):
                validate(x, s["items"], f"{path}[{i}]", errs)


def schema_keys(s, out):
    for k, x in s.get("properties", {}).items():
        out.add(k)
        schema_keys(x, out)
    if isinstance(s.get("items"), dict):
        schema_keys(s["items"], out)
    return out


def function_body(text, name):
    m = re.search(r"^[^\n;]*\b" + re.escape(name) + r"\s*\([^;{]*\)\s*\{", text, re.M)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
    return None


def main(argv):
    if len(argv) < 4 or "--" not in argv:
        print(__doc__)
        return 2
    sep = argv.index("--")
    schema_path, doc_path = argv[1], argv[2]
    writers = [argv[i + 1] for i in range(3, sep) if argv[i] == "--writer"]
    reports = argv[sep + 1:]
    schema = json.load(open(schema_path))
    doc = open(doc_path).read()
    keys = schema_keys(schema, set())
    fail = 0
    for r in reports:
        errs = []
        validate(json.load(open(r)), schema, "report", errs)
        for e in errs:
            print(f"FAIL: {r}: {e}")
        fail |= bool(errs)
        if not errs:
            print(f"ok: {r} validates")
    for w in writers:
        path, func = w.rsplit(":", 1)
        body = function_body(open(path).read(), func)
        if body is None:
            print(f"FAIL: {path}: no function {func}")
            fail = 1
            continue
        found = re.findall(r'cJSON_Add\w*ToObject\(\s*\w+\s*,\s*"([^"]+)"', body)
        missing = sorted(set(found) - keys)
        for k in missing:
            print(f"FAIL: {path}:{func} writes key {k!r}, which {schema_path} does not list")
        fail |= bool(missing)
        print(f"ok: {path}:{func}: {len(set(found))} keys, all in the schema" if not missing else "")
    undocumented = sorted(k for k in keys if f'"{k}"' not in doc and f"`{k}`" not in doc)
    for k in undocumented:
        print(f"FAIL: schema key {k!r} is not named in {doc_path}")
    fail |= bool(undocumented)
    if not undocumented:
        print(f"ok: all {len(keys)} schema keys are named in {doc_path}")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

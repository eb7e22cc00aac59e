"""What the file checkers of tests/scripts share (csv_check.py,
junit_check.py): one FAIL line per error, else one ok line; the exit
status.  Python standard library only."""


def verdict(name, errs, ok):
    """Prints "FAIL: NAME: error" for each error, or "ok: NAME: OK" when
    there is none; returns the exit status (1 on any error)."""
    for e in errs:
        print(f"FAIL: {name}: {e}")
    if not errs:
        print(f"ok: {name}: {ok}")
    return 1 if errs else 0

#!/usr/bin/env bash
# style/clang-format: every C source and header of the project (not the
# generated test firmware under tests/fw) is as .clang-format formats it
# (issue 14: the tree was formatted once; this keeps it so).  Prints the
# files that differ and how to fix them.
# usage: format_check.sh SOURCE_DIR
set -u
root=${1:?usage: format_check.sh SOURCE_DIR}
cd "$root" || exit 2
command -v clang-format >/dev/null || { echo "clang-format is not installed (tools/scripts/install-deps.sh installs it)"; exit 1; }
bad=0; n=0
while IFS= read -r f; do
  n=$((n + 1))
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    echo "not formatted: $f"
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/fw/' || find . -name '*.[ch]' -not -path './tests/fw/*' -not -path './build*')
if [ $bad -ne 0 ]; then
  echo "$bad of $n files differ from .clang-format: run clang-format --style=file -i on them"
  exit 1
fi
echo "ok: $n C files formatted as .clang-format says"

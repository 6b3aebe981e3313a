#!/bin/sh
# Assemble an import tree for `make asan-py`: the pure-Python `vona` package (symlinks to the
# sources) with the ASan+UBSan-built extension modules from BUILD_DIR in vona/_native, plus
# a sitecustomize.py that removes the editable install's import redirect, which otherwise
# sits first on sys.meta_path and would load the normal build from .venv instead.
# Usage: scripts/asan-py-tree.sh BUILD_DIR   (run from the project root; prints the tree path)
set -eu
build=$(cd "$1" && pwd)
root=$(pwd)
tree=$build/pkg
rm -rf "$tree"
mkdir -p "$tree/vona/_native"
for f in "$root"/vona/*; do
    case "${f##*/}" in _native | __pycache__) ;; *) ln -s "$f" "$tree/vona/" ;; esac
done
ln -s "$root/adapters" "$tree/vona/adapters"
for f in "$root"/vona/_native/*.py "$root"/src/vona/_native/*.pyi; do ln -s "$f" "$tree/vona/_native/"; done
found=0
for so in "$build"/_*.so; do
    [ -e "$so" ] || continue
    ln -s "$so" "$tree/vona/_native/"
    found=$((found + 1))
done
if [ "$found" -eq 0 ]; then
    echo "asan-py-tree: no extension modules in $build" >&2
    exit 1
fi
cat > "$tree/sitecustomize.py" <<'PY'
"""Import `vona` from this tree: drop the editable install's redirecting finder."""

import sys

sys.meta_path[:] = [
    f for f in sys.meta_path if "vona" not in getattr(f, "known_source_files", {})
]
PY
ln -s "$root/scripts/asan_py_plugin.py" "$tree/asan_py_plugin.py"
echo "$tree"

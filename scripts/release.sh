#!/usr/bin/env bash
# Cut a release: bump the version, run the gate, build the sdist and wheel, check them,
# and publish only when asked to (--publish). Usage: scripts/release.sh VERSION [--publish]
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/release.sh VERSION [--publish]" >&2; exit 2; }
[ $# -ge 1 ] || usage
version=$1; shift
publish=0
for arg in "$@"; do
    case "$arg" in
    --publish) publish=1 ;;
    *) usage ;;
    esac
done
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([ab]|rc)?[0-9]*$ ]]; then
    echo "release: '$version' is not a version like 0.2.0 or 0.2.0rc1" >&2
    exit 2
fi
if [ -n "$(git status --porcelain)" ]; then
    echo "release: the work tree has uncommitted changes; commit or stash them first" >&2
    exit 1
fi
grep -q "^## $version" CHANGELOG.md || {
    echo "release: CHANGELOG.md has no '## $version' section; write it first" >&2
    exit 1
}

# one version, in the two places that carry it
sed -i.bak -E "s/^version = \".*\"/version = \"$version\"/" pyproject.toml && rm pyproject.toml.bak
sed -i.bak -E "s/^__version__ = \".*\"/__version__ = \"$version\"/" vona/__init__.py && rm vona/__init__.py.bak

make gate
make sdist wheel
.venv/bin/python -m pip install -q twine
.venv/bin/twine check dist/*.tar.gz wheelhouse/*.whl

git commit -qam "Release $version"
git tag -a "v$version" -m "Vona $version"
echo "release: $version built and tagged (dist/, wheelhouse/)"
if [ "$publish" = 1 ]; then
    .venv/bin/twine upload dist/*.tar.gz wheelhouse/*.whl
    echo "release: $version published; push the tag: git push origin v$version"
else
    echo "release: not published (pass --publish to upload with twine)"
fi

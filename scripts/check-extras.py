"""Prove each extra stands alone: a fresh venv per extra, from the locally built wheel.

For every extra in pyproject.toml (and none at all) this makes a new virtual environment,
installs the wheel with that extra only, and checks, inside it:

- ``import vona`` works;
- every registry entry declared with this extra builds its module (imports cleanly);
- every entry of another extra whose dependencies are absent fails with a ``ConfigError``
  that names its extra, not a bare ``ImportError``.

    make extras-test          # builds the wheel first
    python scripts/check-extras.py --wheel wheelhouse/vona-*.whl [--only serve moshi]

Exits 1 if any check fails; prints one line per extra.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"dev", "all"}

# Runs inside each venv: load every registry entry's module; report what happened.
PROBE = r"""
import importlib, json, sys
from importlib.metadata import entry_points
import vona
from vona.errors import ConfigError
out = {}
for group in ("vona.backends", "vona.engines", "vona.models", "vona.converters"):
    for ep in entry_points(group=group):
        key = f"{group}:{ep.name}"
        module = ep.value.split(":")[0]
        try:
            importlib.import_module(module)
            out[key] = ["ok", ""]
        except ConfigError as exc:
            out[key] = ["config", str(exc)]
        except ImportError as exc:
            out[key] = ["import", f"{type(exc).__name__}: {exc}"]
        except Exception as exc:
            out[key] = ["error", f"{type(exc).__name__}: {exc}"]
print(json.dumps(out))
"""


def declared() -> tuple[dict[str, list[str]], dict[str, str | None]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = {k: v for k, v in meta.get("optional-dependencies", {}).items() if k not in SKIP}
    owner: dict[str, str | None] = {}
    for group, entries in meta.get("entry-points", {}).items():
        if not group.startswith("vona."):
            continue
        for name, ref in entries.items():
            extra = ref.split("[", 1)[1].rstrip("] ").split(",")[0].strip() if "[" in ref else None
            owner[f"{group}:{name}"] = extra
    return extras, owner


def check(wheel: Path, extra: str | None, owner: dict[str, str | None]) -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vona-extra-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        py = venv / "bin" / "python"
        target = f"{wheel}[{extra}]" if extra else str(wheel)
        pip = subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", target],
            capture_output=True,
            text=True,
        )
        if pip.returncode != 0:
            return [f"pip install {target} failed: {pip.stderr.strip().splitlines()[-1:]}"]
        probe = subprocess.run([str(py), "-c", PROBE], capture_output=True, text=True, cwd=tmp)
        if probe.returncode != 0:
            return [f"import vona failed: {probe.stderr.strip().splitlines()[-1:]}"]
        results = json.loads(probe.stdout)
    for key, (status, message) in results.items():
        wanted = owner.get(key)
        if wanted is None or wanted == extra:
            if status != "ok":
                problems.append(f"{key} (extra {wanted or 'none'}) should load: {message}")
        elif status == "import" or status == "error":
            problems.append(f"{key} without its extra {wanted}: {message} (want a ConfigError)")
        elif status == "config" and f"vona[{wanted}]" not in message:
            problems.append(f"{key}: ConfigError does not name the extra {wanted}: {message}")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--wheel", type=Path, required=True)
    p.add_argument("--only", nargs="*", help="extras to check (default: all, and none)")
    args = p.parse_args()
    extras, owner = declared()
    names: list[str | None] = [None, *extras] if not args.only else list(args.only)
    failed = 0
    for extra in names:
        problems = check(args.wheel.resolve(), extra, owner)
        label = f"[{extra}]" if extra else "(no extra)"
        print(f"{'ok  ' if not problems else 'FAIL'} {label}")
        for line in problems:
            print(f"     {line}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

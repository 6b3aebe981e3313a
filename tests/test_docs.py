"""The docs name only what exists: files, make targets, CLI commands and options, Python names.

Scans README.md, the top-level guides and docs/*.md for code spans and links, and checks
each against the repository, the Makefile, `vona <command> --help` and the importable
package. A doc that cites a file outside the repository or a machine path fails too.
"""

from __future__ import annotations

import functools
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted(
    [
        ROOT / "README.md",
        *(ROOT / n for n in ("CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md")),
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "third_party").glob("*.md"),
    ]
)
DOCS = [p for p in DOCS if p.exists()]
TOP_DIRS = (
    "csrc/", "src/", "vona/", "adapters/", "tests/", "fixtures/", "benchmarks/", "docs/",
    "scripts/", "deploy/", "third_party/", "cmake/", ".ci/",
)  # fmt: skip
ROOT_FILES = {
    "README.md", "Makefile", "pyproject.toml", "CMakeLists.txt", "LICENSE", "CHANGELOG.md",
    "CONTRIBUTING.md", "SECURITY.md",
}  # fmt: skip
# files that live outside the repository and must never be cited
FOREIGN = re.compile(r"\b(?:DESIGN\.md|protocols\.md|anchors\.md|models\.md|STYLE\.md)\b")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home|Users|opt/pypi)\b")
SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _texts() -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in DOCS]


def _spans(text: str) -> list[str]:
    body = FENCE.sub("", text)
    return SPAN.findall(body)


def _code_lines(text: str) -> list[str]:
    lines = [ln for block in FENCE.findall(text) for ln in block.splitlines()]
    return lines + _spans(text)


def _rel(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_no_foreign_files_or_machine_paths(doc: Path) -> None:
    text = doc.read_text()
    assert not FOREIGN.findall(text), f"{_rel(doc)} cites files outside the repository"
    assert not MACHINE_PATH.findall(text), f"{_rel(doc)} names a machine path"


def _path_like(token: str) -> str | None:
    token = token.strip().rstrip(".,:;")
    token = token.split()[0] if token.split() else token
    token = token.split(":")[0]  # `file.py:function`
    if token in ROOT_FILES:
        return token
    if token.startswith("vona/") and token.endswith(".h"):  # a header, by its include name
        return f"csrc/include/{token}"
    if token.startswith(TOP_DIRS) and not token.startswith("vona/_native/"):
        return token
    return None


def _exists(path: str) -> bool:
    pattern = re.sub(r"<[^>]+>", "*", path).rstrip("/")
    pattern = pattern.replace("{", "*").replace("}", "*")
    if any(ch in pattern for ch in "*?["):
        return any(ROOT.glob(pattern))
    return (ROOT / pattern).exists()


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_cited_files_exist(doc: Path) -> None:
    text = doc.read_text()
    missing = sorted(
        {p for s in _spans(text) if (p := _path_like(s)) is not None and not _exists(p)}
    )
    for target in LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not (doc.parent / target).exists() and not (ROOT / target).exists():
            missing.append(target)
    assert not missing, f"{_rel(doc)} cites missing files: {missing}"


@functools.cache
def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.M))


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_make_targets_exist(doc: Path) -> None:
    wanted = {
        t
        for line in _code_lines(doc.read_text())
        for t in re.findall(r"(?:^|[\s`(])make ([a-z][\w-]*)", line)
    }
    assert wanted <= _make_targets(), f"{_rel(doc)}: no such make target {wanted - _make_targets()}"


@functools.cache
def _help(command: str) -> str:
    """``vona COMMAND [SUB] --help`` ("" when it is not a command)."""
    args = [sys.executable, "-m", "vona", *command.split(), "--help"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    return proc.stdout if proc.returncode == 0 else ""


@functools.cache
def _commands() -> set[str]:
    import argparse

    from vona.cli.main import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


# a command line: `vona CMD ...` at the start of a shell line or after && | ;
COMMAND_LINE = re.compile(r"(?:^|&&|\|\||;|\|)\s*(?:\$\s*)?(?:\S*/)?vona ([a-z][\w-]*)([^|;&#]*)")


def _cli_uses(text: str) -> set[tuple[str, str]]:
    lines = [ln.split(" #")[0] for block in FENCE.findall(text) for ln in block.splitlines()]
    lines += [s for s in _spans(text) if s.startswith("vona ")]
    uses = set()
    for line in lines:
        for m in COMMAND_LINE.finditer(line.strip()):
            command, rest = m.group(1), m.group(2) or ""
            uses.add((command, ""))
            words = rest.split()
            if words and re.fullmatch(r"[a-z][\w-]*", words[0]) and _help(f"{command} {words[0]}"):
                command = f"{command} {words[0]}"  # a subcommand (`vona models fetch`)
            for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest):
                uses.add((command, flag))
    return uses


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_cli_commands_and_options_exist(doc: Path) -> None:
    bad = []
    for command, flag in sorted(_cli_uses(doc.read_text())):
        if command.split()[0] not in _commands():
            bad.append(f"vona {command}")
        elif flag and flag not in _help(command):
            bad.append(f"vona {command} {flag}")
    assert not bad, f"{_rel(doc)} names CLI parts that do not exist: {sorted(set(bad))}"


@functools.cache
def _entry_point_groups() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text()
    return set(re.findall(r'^\[project\.entry-points\."([^"]+)"\]', text, re.M))


def _resolves(dotted: str) -> bool:
    if dotted in _entry_point_groups():
        return True
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_python_names_exist(doc: Path) -> None:
    names = set()
    for span in _spans(doc.read_text()):
        for m in re.finditer(r"\bvona(?:\.[A-Za-z_]\w*)+", span):
            names.add(m.group(0))
    missing = sorted(n for n in names if not _resolves(n))
    assert not missing, f"{_rel(doc)} names Python objects that do not exist: {missing}"

"""`vona demo` has one parser whose help matches what it accepts; user errors are one line
and cost no model loading; demos leave nothing behind unasked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vona.cli import main


def _vona(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vona", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_demo_help_lists_the_flags_it_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--mock", "--output", "--json", "--question", "--voice", "--input", "--out-dir"):
        assert flag in text, flag


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--output", "x.wav"], "--output is for --mock"),
        (["demo", "--mock", "--voice", "espeak"], "--voice: not used by --mock"),
        (["demo", "--mock", "--out-dir", "d"], "--out-dir: not used by --mock"),
    ],
)
def test_demo_flag_mistakes_are_one_line(tmp_path: Path, argv: list[str], message: str) -> None:
    proc = _vona(*argv, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_mock_demo_writes_no_file_unasked(tmp_path: Path) -> None:
    proc = _vona("demo", "--mock", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "session metrics" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_an_unwritable_output_before_loading_models(tmp_path: Path) -> None:
    q = tmp_path / "q.wav"
    q.write_bytes(b"")
    for output, message in [
        (tmp_path / "missing" / "a.wav", "does not exist"),
        (tmp_path, "is a folder"),
    ]:
        proc = _vona("run", "--input", str(q), "--output", str(output), cwd=tmp_path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert message in lines[0]

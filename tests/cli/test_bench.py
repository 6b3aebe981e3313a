"""`vona bench` runs every bench_*.py script and reports failures."""

import json
from pathlib import Path

import pytest

from vona.cli import main


def test_bench_runs_scripts_and_reports_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bench_ok.py").write_text("print('ok row')\n")
    (tmp_path / "bench_bad.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "helper.py").write_text("raise SystemExit(9)\n")
    assert main(["bench", "--dir", str(tmp_path), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    by_name = {r["script"]: r["ok"] for r in summary["results"]}
    assert by_name == {"bench_bad.py": False, "bench_ok.py": True}
    assert summary["failed"] == 1


def test_bench_only_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bench_ok.py").write_text("print('ok row')\n")
    (tmp_path / "bench_bad.py").write_text("raise SystemExit(3)\n")
    assert main(["bench", "--dir", str(tmp_path), "--only", "ok"]) == 0
    assert "ok row" in capsys.readouterr().out


def test_bench_without_scripts_fails(tmp_path: Path) -> None:
    assert main(["bench", "--dir", str(tmp_path)]) == 2


def test_bench_outside_a_checkout_says_where_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # an installed wheel has no benchmarks/ folder
    assert main(["bench"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "source checkout" in err[0]

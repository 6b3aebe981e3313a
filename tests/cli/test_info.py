"""`vona info` reports the real build facts, as a table and as JSON."""

import json

import pytest

from vona.cli import main


def test_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["opus_version"].startswith("libopus")
    assert info["simd_path"] in {"avx2", "sse2", "neon", "scalar"}
    assert info["numpy"] != "not installed"
    assert "passthrough" in info["registered backends"].split(", ")
    assert "faster-whisper" in info["registered engines"].split(", ")
    assert "whisper-base" in info["registered models"].split(", ")


def test_info_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    assert "libopus" in capsys.readouterr().out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out

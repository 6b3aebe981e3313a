"""Commands whose parsing lives in their own module are reachable through `vona`."""

from pathlib import Path

import pytest

from vona.cli import main


def test_models_list_through_vona(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VONA_CACHE_DIR", str(tmp_path))
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "whisper-base" in out
    assert "missing" in out


@pytest.mark.parametrize("command", ["run", "models", "sidecar"])
def test_delegated_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main([command, "--help"])
    except SystemExit as exc:  # argparse exits after printing help
        code = int(exc.code or 0)
    assert code == 0
    assert f"vona {command}" in capsys.readouterr().out


def test_top_level_help_lists_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "models", "sidecar", "info", "bench"):
        assert command in out

"""API keys are resolved from arguments or the environment and never printed."""

from __future__ import annotations

import pickle

import pytest

from vona.errors import ConfigError
from vona.realtime import ApiKey, redact, resolve_api_key


def test_api_key_hides_its_value():
    key = ApiKey("sk-very-secret")
    assert "sk-very-secret" not in repr(key)
    assert "sk-very-secret" not in str(key)
    assert "sk-very-secret" not in f"{key} {key!r}"
    assert key.reveal() == "sk-very-secret"
    assert key == ApiKey("sk-very-secret")
    assert hash(key) == hash(ApiKey("sk-very-secret"))
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(ConfigError):
        ApiKey("")


def test_resolution_order(monkeypatch):
    monkeypatch.setenv("A_KEY", "from-a")
    monkeypatch.setenv("B_KEY", "from-b")
    assert resolve_api_key("explicit", ["A_KEY"], provider="p").reveal() == "explicit"
    assert resolve_api_key(None, ["A_KEY", "B_KEY"], provider="p").reveal() == "from-a"
    monkeypatch.setenv("A_KEY", "")
    assert resolve_api_key(None, ["A_KEY", "B_KEY"], provider="p").reveal() == "from-b"
    given = ApiKey("k")
    assert resolve_api_key(given, [], provider="p") is given


def test_missing_key_names_the_variables_not_values(monkeypatch):
    monkeypatch.delenv("A_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"p: no API key; pass api_key=\.\.\. or set A_KEY"):
        resolve_api_key(None, ["A_KEY"], provider="p")


def test_redact_plain_and_url_quoted():
    key = ApiKey("a b/c+d")
    text = "url ?key=a%20b%2Fc%2Bd and header a b/c+d"
    assert redact(text, [key]) == "url ?key=*** and header ***"
    assert redact("nothing", [key, ""]) == "nothing"

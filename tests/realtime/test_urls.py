"""websocket_url maps http(s) to ws(s), keeps ws(s), and refuses other schemes by name."""

import pytest

from vona.errors import ConfigError
from vona.realtime import websocket_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.example.com/v1/", "wss://api.example.com/v1"),
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("wss://x.example/realtime", "wss://x.example/realtime"),
        ("ws://127.0.0.1:1/", "ws://127.0.0.1:1"),
    ],
)
def test_schemes(given: str, expected: str) -> None:
    assert websocket_url(given, provider="p") == expected


def test_other_scheme_names_provider_and_field() -> None:
    with pytest.raises(ConfigError, match=r"azure_voice_live: endpoint must be ws\(s\)://"):
        websocket_url("ftp://x", provider="azure_voice_live", what="endpoint")

"""Websocket endpoint URLs: accept http(s):// or ws(s):// and give ws(s)://."""

from __future__ import annotations

from vona.errors import ConfigError

_SCHEMES = (("https://", "wss://"), ("http://", "ws://"))


def websocket_url(url: str, *, provider: str, what: str = "base_url") -> str:
    """``url`` without a trailing slash, with http(s) mapped to ws(s); ``ConfigError``
    naming ``provider`` and ``what`` for any other scheme."""
    base = url.rstrip("/")
    for http, ws in _SCHEMES:
        if base.startswith(http):
            return ws + base[len(http) :]
    if not base.startswith(("ws://", "wss://")):
        raise ConfigError(f"{provider}: {what} must be ws(s):// or http(s)://, got {base!r}")
    return base

"""API keys that never leak: resolved from arguments or the environment, redacted in text.

``ApiKey`` holds a secret and prints as ``ApiKey('***')``; ``redact`` removes every known
secret from a message before it becomes part of an exception, a log line or an event.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from vona.errors import ConfigError

__all__ = ["ApiKey", "RedactingLogger", "redact", "resolve_api_key"]

REDACTED = "***"


class ApiKey:
    """A secret string whose ``repr`` and ``str`` hide it; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ConfigError("API key must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for an auth header or query parameter only."""
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey({REDACTED!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("ApiKey", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the secret into whatever stores the pickle.
        raise TypeError("ApiKey cannot be pickled")


def resolve_api_key(
    api_key: str | ApiKey | None, env_vars: Sequence[str], *, provider: str
) -> ApiKey:
    """The explicit key, else the first non-empty environment variable of ``env_vars``.

    Raises ``ConfigError`` naming the variables to set (never any value).
    """
    if isinstance(api_key, ApiKey):
        return api_key
    if api_key:
        return ApiKey(api_key)
    for name in env_vars:
        value = os.environ.get(name)
        if value:
            return ApiKey(value)
    names = " or ".join(env_vars)
    raise ConfigError(f"{provider}: no API key; pass api_key=... or set {names}")


def redact(text: str, secrets: Iterable[ApiKey | str]) -> str:
    """``text`` with every secret (and its URL-quoted form) replaced by ``***``."""
    from urllib.parse import quote

    for secret in secrets:
        value = secret.reveal() if isinstance(secret, ApiKey) else secret
        if not value:
            continue
        text = text.replace(value, REDACTED)
        quoted = quote(value, safe="")
        if quoted != value:
            text = text.replace(quoted, REDACTED)
    return text


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger for ``websockets`` (its ``logger=`` argument) that removes secrets from
    every record: its debug log prints request headers, which carry the key."""

    def __init__(self, logger: logging.Logger, secrets: Sequence[ApiKey | str]) -> None:
        super().__init__(logger, {})
        self._secrets = tuple(secrets)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self.logger.log(level, "%s", redact(text, self._secrets), **kwargs)

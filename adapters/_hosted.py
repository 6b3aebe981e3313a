"""What the hosted engine adapters share: endpoint and key resolution, the HTTP status to
``BackendError`` rule, backoff, lazy optional imports and a redacting websocket dial.

Failure rule for every hosted engine: a refused key (401/403) and a bad request (400, 404,
422) are non-retryable ``BackendError``s; 408, 429, 5xx and network failures are
retryable, and the adapter retries them itself with exponential backoff before it gives up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vona.errors import BackendError, ConfigError
from vona.realtime.secrets import ApiKey, RedactingLogger, redact, resolve_api_key
from vona.realtime.urls import websocket_url

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = [
    "Backoff",
    "LoopClient",
    "auth_headers",
    "base_url_from",
    "dial",
    "key_from",
    "optional_key",
    "redacted",
    "require",
    "split_sentences",
    "status_error",
    "write_binary",
]

_NON_RETRYABLE = frozenset({400, 401, 403, 404, 405, 413, 415, 422})


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retries of a retryable failure: ``attempts`` more tries, waiting ``initial_s``,
    doubled each time up to ``max_s``, spread by ``jitter``."""

    attempts: int = 3
    initial_s: float = 0.25
    max_s: float = 4.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 0 or self.initial_s < 0 or self.max_s < 0:
            raise ConfigError("Backoff: attempts, initial_s and max_s must be >= 0")

    def delays(self) -> Iterator[float]:
        delay = self.initial_s
        for _ in range(self.attempts):
            spread = delay * self.jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(self.max_s, delay * 2)


def require(module: str, extra: str, provider: str) -> ModuleType:
    """Import an optional dependency, or ``ConfigError`` naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"{provider} needs {module.split('.')[0]}: pip install 'vona[{extra}]'"
        ) from None


def base_url_from(base_url: str | None, env: str, default: str) -> str:
    """``base_url``, else the environment variable ``env``, else ``default`` (no trailing /)."""
    return (base_url or os.environ.get(env) or default).rstrip("/")


def key_from(api_key: str | ApiKey | None, env: str, provider: str) -> ApiKey:
    """The key from the argument or ``env``; ``ConfigError`` naming ``env`` when neither."""
    return resolve_api_key(api_key, [env], provider=provider)


def optional_key(api_key: str | ApiKey | None, env: str) -> ApiKey | None:
    """The key when one is given or set (self-hosted servers often need none)."""
    if isinstance(api_key, ApiKey):
        return api_key
    value = api_key or os.environ.get(env)
    return ApiKey(value) if value else None


def status_error(
    provider: str, status: int, body: str, secrets: Sequence[ApiKey | str]
) -> BackendError:
    """The ``BackendError`` for an HTTP error answer (``body`` is redacted, cut short)."""
    detail = redact(body.strip()[:500], secrets) or f"HTTP {status}"
    if status in (401, 403):
        return BackendError(f"{provider}: authentication failed (HTTP {status}): {detail}")
    retryable = status not in _NON_RETRYABLE
    return BackendError(f"{provider}: HTTP {status}: {detail}", retryable=retryable)


async def dial(
    url: str,
    *,
    provider: str,
    extra: str,
    headers: Mapping[str, str],
    secrets: Sequence[ApiKey],
    backoff: Backoff,
    open_timeout_s: float = 10.0,
) -> ClientConnection:
    """Open a client websocket, retrying retryable refusals with ``backoff``."""
    require("websockets", extra, provider)
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

    url = websocket_url(url, provider=provider)
    log = RedactingLogger(logging.getLogger("websockets.client"), secrets)
    delays = backoff.delays()
    while True:
        try:
            return await connect(
                url,
                additional_headers=dict(headers),
                open_timeout=open_timeout_s,
                max_size=16 * 1024 * 1024,
                compression=None,
                logger=log,
            )
        except InvalidStatus as exc:
            body = bytes(exc.response.body or b"").decode("utf-8", "replace")
            error = status_error(provider, exc.response.status_code, body, secrets)
        except InvalidURI:
            raise ConfigError(f"{provider}: base_url does not make a valid websocket URL") from None
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            detail = redact(f"{type(exc).__name__}: {exc}", secrets)
            error = BackendError(f"{provider}: cannot connect: {detail}", retryable=True)
        delay = next(delays, None) if error.retryable else None
        if delay is None:
            raise error
        await asyncio.sleep(delay)


def redacted(exc: BaseException, provider: str, secrets: Sequence[ApiKey]) -> BackendError:
    """A retryable ``BackendError`` describing a network failure, secrets removed."""
    detail = redact(f"{type(exc).__name__}: {exc}", secrets)
    return BackendError(f"{provider}: connection lost: {detail}", retryable=True)


def auth_headers(key: ApiKey | None, scheme: str, header: str = "Authorization") -> dict[str, Any]:
    """``{header: "<scheme> <key>"}`` (no scheme: the bare key), or nothing without a key."""
    if key is None:
        return {}
    value = key.reveal()
    return {header: f"{scheme} {value}" if scheme else value}


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def split_sentences(buffer: str) -> tuple[list[str], str]:
    """Whole sentences at the head of ``buffer`` and the unfinished rest."""
    parts = _SENTENCE_END.split(buffer)
    return [p for p in parts[:-1] if p.strip()], parts[-1]


_WRITE_BUFFER_LIMIT = 64 * 1024
_OPEN: Any = None


def write_binary(ws: ClientConnection, data: bytes) -> bool:
    """Write ``data`` as one masked binary frame straight to the socket, or return False
    when the library must send it (not open, a fragmented send in progress, or the socket
    backed up: the library's ``send`` then applies flow control).

    Audio goes out every 20 ms per session; the library's general send path (locks, state
    machine, frame object) costs more than the audio frame itself. Frames are written
    whole, so they never interleave with the library's own.
    """
    global _OPEN
    if _OPEN is None:
        from websockets.protocol import State

        _OPEN = State.OPEN
    transport = ws.transport
    if (
        ws.protocol.state is not _OPEN
        or ws.send_in_progress is not None
        or transport.is_closing()
        or transport.get_write_buffer_size() > _WRITE_BUFFER_LIMIT
    ):
        return False
    n = len(data)
    head = _HEADS.get(n)
    if head is None:
        if n < 126:
            head = struct.pack("!BB", 0x82, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x82, 0xFE, n)
        else:
            head = struct.pack("!BBQ", 0x82, 0xFF, n)
        if len(_HEADS) < 64:  # audio chunks come in a few sizes
            _HEADS[n] = head
    mask = _next_mask()
    transport.write(head + mask + _apply_mask(data, mask))
    return True


_HEADS: dict[int, bytes] = {}
_masks = memoryview(b"")
_mask_at = 0


def _next_mask() -> bytes:
    """Four bytes from the OS's CSPRNG, fetched 4 KiB at a time (one syscall per 1024
    frames instead of one per frame)."""
    global _masks, _mask_at
    if _mask_at >= len(_masks):
        _masks, _mask_at = memoryview(os.urandom(4096)), 0
    mask = bytes(_masks[_mask_at : _mask_at + 4])
    _mask_at += 4
    return mask


def _load_mask() -> Any:
    try:
        from websockets.speedups import apply_mask
    except ImportError:  # the pure-Python build
        from websockets.utils import apply_mask
    return apply_mask


_mask_fn: Any = None


def _apply_mask(data: bytes, mask: bytes) -> bytes:
    global _mask_fn
    if _mask_fn is None:
        _mask_fn = _load_mask()
    return bytes(_mask_fn(data, mask))


class LoopClient:
    """One ``httpx.AsyncClient`` per event loop, made on first use and kept: making one
    costs tens of ms (its TLS context), too much to pay on every reply, and keeping it
    reuses connections. A client belongs to the loop it was made in."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None

    def get(self) -> Any:
        import httpx

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self._timeout_s)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

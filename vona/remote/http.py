"""``HttpStsBackend``: a ``SpeechToSpeechBackend`` served by a sidecar over HTTP.

One ``httpx.AsyncClient`` with keep-alive carries every session; a step is one
``POST /v1/sessions/{id}/step`` with a CBOR body. Failures a retry may fix (connect
errors, timeouts, dropped connections, 429 and 5xx) raise ``BackendError(retryable=True)``;
other 4xx raise it with ``retryable=False``. Needs the ``sidecar`` extra (httpx).
"""

from __future__ import annotations

import json
from typing import Any

from vona.backends.step import BackendCapabilities, BackendStep
from vona.codec import cbor_loads, encode_audio_frame
from vona.config import SessionConfig
from vona.errors import BackendError, CodecError, ConfigError, ProtocolError
from vona.events import ExternalContextEvent
from vona.frames import AudioInputFrame
from vona.remote.wire import (
    RemoteSession,
    capabilities_from_msg,
    context_to_msg,
    step_from_msg,
)

try:
    import httpx
except ImportError:  # pragma: no cover - exercised only without the extra
    httpx = None  # type: ignore[assignment]

__all__ = ["HttpStsBackend"]

_CBOR = "application/cbor"
_KEY = "X-Vona-Session-Key"  # the session's secret from start_session


class HttpStsBackend:
    """Talk to ``vona sidecar`` at ``base_url`` (e.g. ``http://127.0.0.1:9090``).

    ``token`` is sent as a bearer token. ``timeout_s`` bounds each request,
    ``connect_timeout_s`` each new connection. ``await connect()`` fetches the
    capabilities (``start_session`` does it on first use).
    """

    vona_contract = "step"  # a step backend, although it has a connect() method

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        max_connections: int = 64,
    ) -> None:
        if httpx is None:
            raise ConfigError("HttpStsBackend needs httpx: pip install 'vona[sidecar]'")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must be an http:// or https:// URL, got {base_url!r}")
        for name, value in (("timeout_s", timeout_s), ("connect_timeout_s", connect_timeout_s)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"HttpStsBackend {name} must be a positive number, got {value!r}")
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise ConfigError(f"max_connections must be an int, got {max_connections!r}")
        if max_connections < 1:
            raise ConfigError(f"max_connections must be >= 1, got {max_connections}")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=60.0,
            ),
        )
        self._caps: BackendCapabilities | None = None

    async def _send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        content: bytes | None = None,
        content_type: str | None = None,
        session: RemoteSession | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        if session is not None and session.key:
            headers[_KEY] = session.key
        try:
            resp = await self._client.request(method, url, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise BackendError(f"sidecar {what} timed out: {exc!r}", retryable=True) from exc
        except httpx.TransportError as exc:  # connect errors, resets, protocol errors
            raise BackendError(f"sidecar {what} failed: {exc!r}", retryable=True) from exc
        if resp.status_code >= 400:
            raise _status_error(resp, what)
        return resp

    async def connect(self) -> None:
        """Fetch the sidecar backend's capabilities (checks the server and the token)."""
        resp = await self._send("GET", "/v1/capabilities", "capabilities")
        try:
            self._caps = capabilities_from_msg(resp.json())
        except (ValueError, ProtocolError) as exc:
            raise BackendError(f"sidecar capabilities are malformed: {exc}") from None

    def capabilities(self) -> BackendCapabilities:
        if self._caps is None:
            raise ConfigError("HttpStsBackend: await connect() before asking for capabilities")
        return self._caps

    async def start_session(self, config: SessionConfig) -> RemoteSession:
        if self._caps is None:
            await self.connect()
        body = config.model_dump_json().encode()
        resp = await self._send(
            "POST", "/v1/sessions", "start_session", content=body, content_type="application/json"
        )
        try:
            reply = resp.json()
            sid, key = reply["session_id"], reply.get("session_key")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackendError(f"sidecar start_session replied {resp.text[:200]!r}") from None
        if not isinstance(sid, str) or not isinstance(key, (str, type(None))):
            raise BackendError("sidecar start_session replied a non-string session_id")
        return RemoteSession(sid, key=key)

    async def step(self, session: RemoteSession, frame: AudioInputFrame) -> BackendStep:
        body = encode_audio_frame(frame)  # the step body: one CBOR audio message
        url = f"/v1/sessions/{session.session_id}/step"
        resp = await self._send(
            "POST", url, "step", content=body, content_type=_CBOR, session=session
        )
        try:
            return step_from_msg(cbor_loads(resp.content))
        except (CodecError, ProtocolError) as exc:
            raise BackendError(f"sidecar step replied a bad body: {exc}") from None

    async def inject_event(self, session: RemoteSession, event: ExternalContextEvent) -> None:
        body = json.dumps(context_to_msg(event)).encode()
        url = f"/v1/sessions/{session.session_id}/events"
        await self._send(
            "POST",
            url,
            "inject_event",
            content=body,
            content_type="application/json",
            session=session,
        )

    async def end_session(self, session: RemoteSession) -> None:
        if session.ended:
            return
        session.ended = True
        url = f"/v1/sessions/{session.session_id}"
        await self._send("DELETE", url, "end_session", session=session)

    async def close(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpStsBackend:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _status_error(resp: httpx.Response, what: str) -> BackendError:
    code = resp.status_code
    detail = resp.text[:300]
    try:
        err: Any = resp.json().get("error", {})
        detail = f"{err.get('type', 'Error')}: {err.get('message', '')}"
    except (ValueError, AttributeError):
        pass
    retryable = code == 429 or code >= 500
    return BackendError(f"sidecar {what}: HTTP {code}: {detail}", retryable=retryable)

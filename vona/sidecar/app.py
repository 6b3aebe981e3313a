"""The sidecar's HTTP routes over a ``SessionHost`` (contract: docs/architecture.md).

=======  ==============================  ==============================================
GET      /healthz                        200 while the process serves
GET      /readyz                         200 when it accepts sessions, 503 when full,
                                         draining or lagging; ``free_slots`` in the body
GET      /metrics                        Prometheus text (``metrics`` given; with a token,
                                         it wants the token too)
GET      /v1/capabilities                the backend's ``BackendCapabilities`` (JSON)
POST     /v1/sessions                    JSON ``SessionConfig`` -> 201
                                         ``{"session_id", "session_key"}
POST     /v1/sessions/{id}/step          one audio frame (CBOR, or JSON with base64 pcm)
                                         -> ``{"audio": [...], "events": [...]}``
POST     /v1/sessions/{id}/events        an ``ExternalContextEvent`` (JSON or CBOR) -> 204
DELETE   /v1/sessions/{id}               -> 204
=======  ==============================  ==============================================

Every request on a session carries its key in ``X-Vona-Session-Key``: a session belongs
to whoever created it, and without the key it is reported unknown (404). The probes
tell an unauthenticated caller only the status and the free slots.

Errors are JSON ``{"error": {"type", "message", "retryable"}}``; the status tells a
client whether to retry (429 and 5xx: yes; other 4xx: no).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from vona.codec import cbor_dumps, cbor_loads
from vona.config import SessionConfig
from vona.errors import (
    AudioFormatError,
    BackendError,
    CodecError,
    ConfigError,
    ProtocolError,
    SessionLimitError,
    VonaError,
)
from vona.remote.session_host import (
    ClientLimitError,
    SessionEndedError,
    SessionHost,
    UnknownSessionError,
)
from vona.remote.wire import (
    capabilities_to_msg,
    context_from_msg,
    input_frame_from_msg,
    pcm_to_base64,
    step_to_msg,
)
from vona.sidecar.http11 import Request, Response, error_response

__all__ = ["SidecarApp"]

log = logging.getLogger("vona.sidecar")

CBOR = "application/cbor"
JSON = "application/json"
_PREFIX = "/v1/sessions/"
_BAD_INPUT = (ProtocolError, ConfigError, AudioFormatError, CodecError)
KEY_HEADER = "x-vona-session-key"
_PREFIX_LEN = len(_PREFIX)


class _UnsupportedMedia(ProtocolError):
    def __init__(self, ctype: str) -> None:
        super().__init__(f"Content-Type {ctype[:60]!r} is not supported; use {CBOR} or {JSON}")


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _json(status: int, obj: Any) -> Response:
    return Response(status, json.dumps(obj).encode())


class SidecarApp:
    """Route requests to ``host``; ``token`` (if set) is required as a bearer token on
    every ``/v1`` route (the probes stay open for load balancers). ``metrics`` renders
    ``/metrics`` (content type, body); ``lagging`` says whether the event loop lags."""

    def __init__(
        self,
        host: SessionHost,
        *,
        token: str | None = None,
        metrics: Callable[[], tuple[str, bytes]] | None = None,
        lagging: Callable[[], bool] | None = None,
    ) -> None:
        self.host = host
        self._token = f"Bearer {token}".encode() if token else None
        self._metrics = metrics
        self._lagging = lagging

    async def __call__(self, req: Request) -> Response:
        try:
            return await self._route(req)
        except _UnsupportedMedia as exc:
            return error_response(415, str(exc))
        except SessionEndedError as exc:
            status = 503 if exc.retryable else 404
            return error_response(status, str(exc), retryable=exc.retryable, kind="SessionEnded")
        except ClientLimitError as exc:
            return error_response(429, str(exc), retryable=True, kind="ClientLimitError")
        except RecursionError:
            return error_response(400, "request body nested too deeply", kind="ProtocolError")
        except UnknownSessionError as exc:
            return error_response(404, str(exc), kind="UnknownSessionError")
        except SessionLimitError as exc:
            return error_response(503, str(exc), retryable=True, kind="SessionLimitError")
        except _BAD_INPUT as exc:
            return error_response(400, str(exc), kind=type(exc).__name__)
        except BackendError as exc:
            if exc.retryable:
                return error_response(503, str(exc), retryable=True, kind="BackendError")
            return error_response(422, str(exc), kind="BackendError")
        except VonaError as exc:
            return error_response(500, str(exc), kind=type(exc).__name__)

    def _authorised(self, req: Request) -> bool:
        if self._token is None:
            return True
        given = req.headers.get("authorization", "").encode("latin-1")
        return hmac.compare_digest(given, self._token)

    async def _route(self, req: Request) -> Response:
        path, method = req.path, req.method
        # The hot path first: a step (every 20 ms per session).
        if method == "POST" and path.endswith("/step") and path.startswith(_PREFIX):
            sid = path[_PREFIX_LEN:-5]
            if sid and "/" not in sid and self._authorised(req):
                return await self._step(sid, req.headers.get(KEY_HEADER, ""), req)
        if path in ("/healthz", "/readyz"):
            if method != "GET":
                return error_response(405, f"{path} takes GET")
            return self._probe(path == "/readyz", self._authorised(req))
        if path == "/metrics" and self._metrics is not None:
            if not self._authorised(req):
                return _unauthorised()
            ctype, body = self._metrics()
            return Response(200, body, ctype)
        if not path.startswith("/v1/"):
            return error_response(404, f"no route {path[:100]!r}")
        if not self._authorised(req):
            return _unauthorised()
        if path == "/v1/capabilities":
            if method != "GET":
                return error_response(405, "/v1/capabilities takes GET")
            return _json(200, capabilities_to_msg(self.host.capabilities()))
        if path == "/v1/sessions":
            if method != "POST":
                return error_response(405, "/v1/sessions takes POST")
            return await self._create(req)
        if not path.startswith(_PREFIX):
            return error_response(404, f"no route {path[:100]!r}")
        sid, _, action = path[len(_PREFIX) :].partition("/")
        if not sid:
            return error_response(404, "missing session id")
        key = req.headers.get(KEY_HEADER, "")
        if action == "step":
            if method != "POST":
                return error_response(405, "step takes POST")
            return await self._step(sid, key, req)
        if action == "events":
            if method != "POST":
                return error_response(405, "events takes POST")
            await self.host.inject(sid, context_from_msg(self._decode(req)), owner=key)
            return Response(204)
        if action == "":
            if method != "DELETE":
                return error_response(405, "a session takes DELETE")
            await self.host.end(sid, owner=key)
            return Response(204)
        return error_response(404, f"no route {path[:100]!r}")

    def _probe(self, ready: bool, authorised: bool) -> Response:
        host = self.host
        if not ready:
            return _json(200, {"status": "ok"})
        free = host.free_slots
        body: dict[str, Any] = {"free_slots": free}
        if authorised:
            body.update(sessions=len(host), max_sessions=host.max_sessions)
        if host.draining:
            return _json(503, {"status": "draining", **body})
        if free <= 0:
            return _json(503, {"status": "full", **body})
        if self._lagging is not None and self._lagging():
            return _json(503, {"status": "lagging", **body})
        return _json(200, {"status": "ready", **body})

    async def _create(self, req: Request) -> Response:
        ctype = _media(req.headers.get("content-type", JSON))
        if req.body and ctype != JSON:
            return error_response(415, "POST /v1/sessions takes a JSON SessionConfig")
        try:
            config = SessionConfig.model_validate_json(req.body) if req.body else SessionConfig()
        except ValidationError as exc:
            msg = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"invalid SessionConfig: {msg}"[:1000]) from None
        key = secrets.token_urlsafe(18)
        sid = await self.host.create(config, owner=key, client=req.peer)
        return _json(201, {"session_id": sid, "session_key": key})

    def _decode(self, req: Request, ctype: str | None = None) -> Any:
        if ctype is None:
            ctype = _media(req.headers.get("content-type", ""))
        if ctype == CBOR:
            try:
                return cbor_loads(req.body)
            except CodecError as exc:
                raise ProtocolError(f"malformed CBOR body: {exc}") from None
        if ctype == JSON:
            try:
                return json.loads(req.body)
            except RecursionError:
                raise ProtocolError("malformed JSON body: nested too deeply") from None
            except (ValueError, UnicodeDecodeError) as exc:
                raise ProtocolError(f"malformed JSON body: {exc}") from None
        raise _UnsupportedMedia(ctype)

    async def _step(self, sid: str, key: str, req: Request) -> Response:
        headers = req.headers
        ctype = headers.get("content-type", "")
        if ctype != CBOR:  # the common case needs no parsing of parameters
            ctype = _media(ctype)
        frame = input_frame_from_msg(self._decode(req, ctype))
        step = await self.host.step(sid, frame, owner=key)
        out = step_to_msg(step)
        accept = headers.get("accept")
        accept = _media(accept) if accept and accept != "*/*" else ""
        as_json = accept == JSON or (accept != CBOR and ctype == JSON)
        if as_json:
            out["audio"] = [pcm_to_base64(a) for a in out["audio"]]
            return Response(200, json.dumps(out).encode(), JSON)
        return Response(200, cbor_dumps(out), CBOR)


def _unauthorised() -> Response:
    resp = error_response(401, "missing or wrong bearer token")
    resp.headers.append(("WWW-Authenticate", "Bearer"))
    return resp

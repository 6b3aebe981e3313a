"""The sidecar's HTTP routes over a ``SessionHost`` (contract: docs/architecture.md).

=======  ==============================  ==============================================
GET      /healthz                        200 while the process serves
GET      /readyz                         200 when it accepts sessions, 503 when full or
                                         draining
GET      /v1/capabilities                the backend's ``BackendCapabilities`` (JSON)
POST     /v1/sessions                    JSON ``SessionConfig`` -> 201 ``{"session_id"}``
POST     /v1/sessions/{id}/step          one audio frame (CBOR, or JSON with base64 pcm)
                                         -> ``{"audio": [...], "events": [...]}``
POST     /v1/sessions/{id}/events        an ``ExternalContextEvent`` (JSON or CBOR) -> 204
DELETE   /v1/sessions/{id}               -> 204
=======  ==============================  ==============================================

Errors are JSON ``{"error": {"type", "message", "retryable"}}``; the status tells a
client whether to retry (429 and 5xx: yes; other 4xx: no).
"""

from __future__ import annotations

import hmac
import json
import logging
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
from vona.remote.session_host import SessionHost, UnknownSessionError
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


class _UnsupportedMedia(ProtocolError):
    def __init__(self, ctype: str) -> None:
        super().__init__(f"Content-Type {ctype[:60]!r} is not supported; use {CBOR} or {JSON}")


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _json(status: int, obj: Any) -> Response:
    return Response(status, json.dumps(obj).encode())


class SidecarApp:
    """Route requests to ``host``; ``token`` (if set) is required as a bearer token on
    every ``/v1`` route (the probes stay open for load balancers)."""

    def __init__(self, host: SessionHost, *, token: str | None = None) -> None:
        self.host = host
        self._token = f"Bearer {token}".encode() if token else None

    async def __call__(self, req: Request) -> Response:
        try:
            return await self._route(req)
        except _UnsupportedMedia as exc:
            return error_response(415, str(exc))
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
        if path in ("/healthz", "/readyz"):
            if method != "GET":
                return error_response(405, f"{path} takes GET")
            return self._probe(path == "/readyz")
        if not path.startswith("/v1/"):
            return error_response(404, f"no route {path[:100]!r}")
        if not self._authorised(req):
            resp = error_response(401, "missing or wrong bearer token")
            resp.headers.append(("WWW-Authenticate", "Bearer"))
            return resp
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
        if action == "step":
            if method != "POST":
                return error_response(405, "step takes POST")
            return await self._step(sid, req)
        if action == "events":
            if method != "POST":
                return error_response(405, "events takes POST")
            await self.host.inject(sid, context_from_msg(self._decode(req)))
            return Response(204)
        if action == "":
            if method != "DELETE":
                return error_response(405, "a session takes DELETE")
            await self.host.end(sid)
            return Response(204)
        return error_response(404, f"no route {path[:100]!r}")

    def _probe(self, ready: bool) -> Response:
        host = self.host
        body: dict[str, Any] = {"sessions": len(host), "max_sessions": host.max_sessions}
        if not ready:
            return _json(200, {"status": "ok", **body})
        if host.draining:
            return _json(503, {"status": "draining", **body})
        if len(host) >= host.max_sessions:
            return _json(503, {"status": "full", **body})
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
        sid = await self.host.create(config)
        return _json(201, {"session_id": sid})

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
            except (ValueError, UnicodeDecodeError) as exc:
                raise ProtocolError(f"malformed JSON body: {exc}") from None
        raise _UnsupportedMedia(ctype)

    async def _step(self, sid: str, req: Request) -> Response:
        ctype = _media(req.headers.get("content-type", ""))
        step = await self.host.step(sid, input_frame_from_msg(self._decode(req, ctype)))
        out = step_to_msg(step)
        accept = req.headers.get("accept")
        accept = _media(accept) if accept else ""
        as_json = accept == JSON or (accept != CBOR and ctype == JSON)
        if as_json:
            out["audio"] = [pcm_to_base64(a) for a in out["audio"]]
            return Response(200, json.dumps(out).encode(), JSON)
        return Response(200, cbor_dumps(out), CBOR)

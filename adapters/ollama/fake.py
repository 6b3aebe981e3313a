"""A loopback fake of Ollama's ``POST /api/chat`` (NDJSON streaming), for offline tests.

It listens on 127.0.0.1 at an ephemeral port while its ``with`` block runs, records every
request (``requests``: path and JSON body) and answers each with ``lines``, one NDJSON line
per item, streamed in HTTP/1.1 chunks the way Ollama streams. A ``status`` other than 200
answers with Ollama's JSON error body instead::

    with OllamaFake() as fake:
        fake.lines = [chat_line("Hello"), chat_line(done=True)]
        llm = OllamaLlm("llama3.2", host=fake.base_url)

Items of ``lines`` that are strings go out as they are (for malformed-line tests).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["OllamaFake", "chat_line"]


def chat_line(content: str = "", done: bool = False, **message: Any) -> dict[str, Any]:
    """One ``/api/chat`` stream line: an assistant message (``tool_calls`` and other fields
    go in ``message``), with Ollama's final-line fields when ``done``."""
    msg: dict[str, Any] = {"role": "assistant", "content": content, **message}
    out: dict[str, Any] = {"model": "m", "created_at": "2025-01-01T00:00:00Z", "message": msg}
    out["done"] = done
    if done:
        out.update(done_reason="stop", total_duration=1, eval_count=2)
    return out


class OllamaFake:
    """The fake server; see the module docstring."""

    def __init__(self) -> None:
        self.status = 200
        self.lines: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> OllamaFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                fake.requests.append({"path": self.path, "body": body})
                if fake.status != 200:
                    self._error(fake.status, f"model {body.get('model')!r} not found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for item in fake.lines:
                    data = (item if isinstance(item, str) else json.dumps(item)) + "\n"
                    raw = data.encode()
                    self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def _error(self, status: int, message: str) -> None:
                raw = json.dumps({"error": message}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

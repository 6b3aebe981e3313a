"""A provider that closes the websocket during setup: every adapter raises a redacted
``BackendError`` out of ``connect()`` (retryable by close code), and ``run_session``
falls back."""

from __future__ import annotations

import traceback

import pytest

from vona import PassthroughStsBackend, SessionConfig
from vona.driver import run_session
from vona.errors import BackendError
from vona.realtime import ReconnectPolicy
from vona.runtime import VonaRuntime
from vona.testing import ScriptedTransport, tone
from vona.testing.loopback import FakeScript


def _echoing_key(fake_key: str) -> str:
    return f"invalid key {fake_key} for this project"


@pytest.mark.parametrize(("code", "retryable"), [(1011, True), (1008, False), (4001, False)])
async def test_close_during_setup_raises_a_redacted_backend_error(provider, code, retryable):
    probe = provider.fake()
    key = probe.api_key
    script = FakeScript(close_during_setup=(code, _echoing_key(key)))
    async with provider.fake(script) as fake:
        with pytest.raises(BackendError) as info:
            await provider.connect(fake, SessionConfig())
    err = info.value
    assert err.retryable is retryable
    assert str(code) in str(err)
    assert key not in str(err)
    text = "".join(traceback.format_exception(err))
    assert key not in text
    assert "ConnectionClosed" not in text


async def test_close_during_setup_falls_back_in_run_session(provider):
    probe = provider.fake()
    script = FakeScript(close_during_setup=(1011, _echoing_key(probe.api_key)))
    async with provider.fake(script) as fake:
        transport = ScriptedTransport(tone(400, 16_000, 300.0), 16_000)
        m = await run_session(
            transport,
            provider.backend(fake),
            runtime=VonaRuntime(fallback=PassthroughStsBackend()),
        )
    assert m.end_reason == "input_ended", m.error
    assert [f.to_backend for f in m.fallbacks] == ["passthrough"]
    assert probe.api_key not in m.fallbacks[0].reason
    assert probe.api_key not in m.to_json()
    assert m.books_balance() == 0


async def test_connection_lost_mid_session_falls_back(provider):
    # No reconnect attempts: the transient close mid-session loses the connection for
    # good, with a retryable error, and the fallback takes the session over.
    script = FakeScript(transient_close_after_turns=1, trigger_ms=200)
    async with provider.fake(script) as fake:
        cls = type(provider.backend(fake))
        shape = {"api_shape": "beta"} if provider.name == "openai-beta" else {}
        never = ReconnectPolicy(max_attempts=0)
        backend = cls(api_key=fake.api_key, base_url=fake.base_url, reconnect=never, **shape)
        transport = ScriptedTransport(tone(3000, 16_000, 300.0), 16_000)
        m = await run_session(
            transport, backend, runtime=VonaRuntime(fallback=PassthroughStsBackend())
        )
    assert m.end_reason == "input_ended", m.error
    assert [f.to_backend for f in m.fallbacks] == ["passthrough"]
    assert m.fallbacks[0].retryable
    assert m.books_balance() == 0

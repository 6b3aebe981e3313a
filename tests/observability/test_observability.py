"""Metrics, the stall monitor and tracing, on real parts (prometheus-client, OpenTelemetry SDK)."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import numpy as np
import pytest

from vona import AudioInputFrame, PassthroughStsBackend, SessionConfig
from vona.backends.step import BackendStep
from vona.events import TurnEnd
from vona.frames import AudioOutputFrame
from vona.observability import StallMonitor
from vona.observability.metrics import SidecarMetrics
from vona.remote.session_host import SessionHost
from vona.sidecar import Sidecar, SidecarSettings

FRAME = AudioInputFrame(1, 16_000, 1, np.ones(320, dtype=np.int16))


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the exposition")


async def test_prometheus_endpoint_counts_sessions_steps_and_drops() -> None:
    async with (
        Sidecar(PassthroughStsBackend(), SidecarSettings(port=0)) as sc,
        httpx.AsyncClient(base_url=sc.url) as c,
    ):
        made = (await c.post("/v1/sessions")).json()
        sid = made["session_id"]
        host = sc.host
        for _ in range(5):
            await host.step(sid, FRAME)
        with pytest.raises(Exception, match="unknown session"):
            await host.step("nope", FRAME)
        text = (await c.get("/metrics")).text
        assert _sample(text, "vona_sessions_active") == 1
        assert _sample(text, "vona_sessions_started_total") == 1
        assert _sample(text, "vona_steps_total") == 5
        assert 'vona_dropped_samples_total{reason="unknown_session"} 320.0' in text
        assert _sample(text, "vona_first_audio_seconds_count") == 1
        assert "vona_event_loop_lag_seconds_bucket" in text
        await host.end(sid)
        text = (await c.get("/metrics")).text
        assert 'vona_sessions_ended_total{reason="client"} 1.0' in text


def test_turn_latency_runs_from_the_user_turn_end_to_the_reply() -> None:
    clock = [0.0]
    metrics = SidecarMetrics(lambda: 1.0, clock=lambda: clock[0])
    audio = AudioOutputFrame(1, 16_000, 1, np.ones(160, dtype=np.int16))
    metrics.session_started("s")
    clock[0] = 0.4
    metrics.step_done("s", BackendStep([audio]))  # first audio after 400 ms
    clock[0] = 1.0
    metrics.step_done("s", BackendStep([], [TurnEnd(role="user")]))
    clock[0] = 1.1
    metrics.step_done("s", BackendStep([]))
    clock[0] = 1.25
    metrics.step_done("s", BackendStep([audio]))  # the reply, 250 ms after the turn end
    text = metrics.render()[1].decode()
    assert _sample(text, "vona_first_audio_seconds_sum") == pytest.approx(0.4)
    assert _sample(text, "vona_turn_latency_seconds_sum") == pytest.approx(0.25)
    assert _sample(text, "vona_turn_latency_seconds_count") == 1


async def test_stall_monitor_logs_the_blocking_stack(caplog: pytest.LogCaptureFixture) -> None:
    stalls: list[tuple[float, str]] = []
    monitor = StallMonitor(0.05, on_stall=lambda s, stack: stalls.append((s, stack)))
    monitor.start()
    try:
        await asyncio.sleep(0.05)
        with caplog.at_level(logging.WARNING, logger="vona.stall"):

            def blocking_helper() -> None:
                time.sleep(0.3)  # what an app must not do on the loop

            blocking_helper()
            for _ in range(100):
                await asyncio.sleep(0.02)
                if stalls:
                    break
    finally:
        monitor.stop()
    assert stalls, "no stall reported"
    seconds, stack = stalls[0]
    assert seconds >= 0.2
    assert "blocking_helper" in stack
    assert "event loop blocked" in caplog.text
    assert monitor.stalls >= 1


async def test_otel_spans_per_session_and_turn() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from vona.observability.tracing import SessionTracer

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = SessionTracer(provider)
    host = SessionHost(PassthroughStsBackend(), observers=(tracer,))
    sid = await host.create(SessionConfig())
    tracer.step_done(sid, BackendStep([], [TurnEnd(role="user", generation_id=7)]))
    await host.step(sid, FRAME)  # the reply's first audio
    tracer.step_done(sid, BackendStep([], [TurnEnd(role="assistant")]))
    await host.end(sid)
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"vona.session", "vona.turn"}
    turn, session = spans["vona.turn"], spans["vona.session"]
    assert turn.parent is not None
    assert turn.parent.span_id == session.context.span_id
    assert turn.attributes is not None
    assert turn.attributes["vona.turn_outcome"] == "completed"
    assert [e.name for e in turn.events] == ["first_audio"]
    assert session.attributes is not None
    assert session.attributes["vona.end_reason"] == "client"


async def test_otel_flag_adds_the_tracer() -> None:
    from vona.observability.tracing import SessionTracer

    settings = SidecarSettings.from_args(["--bind", "127.0.0.1:0", "--otel"], environ={})
    sidecar = Sidecar(PassthroughStsBackend(), settings)
    assert any(isinstance(o, SessionTracer) for o in sidecar.host.observers)

"""The session loop: ``run_session`` and the ``SessionDriver`` underneath it.

Who owns what (imports go down this list, never up):

- ``session``: ``SessionDriver``, the session's lifetime, its tasks, the current
  runner and the switch to a fallback, interruptions, tool calls.
- ``fallback``: ``BackendChain``, the backends in order and the next runner to try.
- ``runners``: ``BackendRunner`` (``StepRunner``, ``RealtimeRunner``), one backend
  session each, reporting to a ``RunnerSink``.
- ``playout``: ``Playout``, assistant audio from the native ring to the transport.
- ``turn``: ``TurnState``, generations, open turns and the turn metrics.
- ``input``: ``InputReader``, the transport's input with read-ahead during slow steps.
- ``audio_loop``: the native loop(s) the driver uses.
"""

from __future__ import annotations

from vona.clock import Clock
from vona.config import SessionConfig
from vona.driver.audio_loop import AudioLoop, LoopFactory, make_loop
from vona.driver.session import SessionDriver, observe_sessions
from vona.metrics import SessionMetrics
from vona.runtime import AnyBackend, VonaRuntime
from vona.skills import SkillExecutor, SkillRegistry
from vona.transports.base import AudioTransport

__all__ = [
    "AudioLoop",
    "LoopFactory",
    "SessionDriver",
    "make_loop",
    "observe_sessions",
    "run_session",
]


async def run_session(
    transport: AudioTransport,
    backend: AnyBackend,
    *,
    runtime: VonaRuntime | None = None,
    skills: SkillRegistry | SkillExecutor | None = None,
    config: SessionConfig | None = None,
    clock: Clock | None = None,
    transport_sample_rate_hz: int | None = None,
    session_id: str | None = None,
    loop_factory: LoopFactory | None = None,
    raise_errors: bool = False,
) -> SessionMetrics:
    """Run one voice session between ``transport`` and ``backend`` (a
    ``SpeechToSpeechBackend`` or a ``RealtimeVoiceBackend``) until the input ends, the
    backend closes, ``runtime.max_session_s`` passes or a fatal error happens.

    Returns the ``SessionMetrics``; a session error is recorded in ``metrics.error`` and
    raised only with ``raise_errors=True``. See ``SessionDriver`` for the arguments.
    """
    driver = SessionDriver(
        transport,
        backend,
        runtime=runtime,
        skills=skills,
        config=config,
        clock=clock,
        transport_sample_rate_hz=transport_sample_rate_hz,
        session_id=session_id,
        loop_factory=loop_factory,
        raise_errors=raise_errors,
    )
    return await driver.run()

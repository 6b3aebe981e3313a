"""The contracts as plain data, for CBOR (IPC, HTTP) and JSON (HTTP) bodies.

Every remote transport speaks these shapes, so a frame, an event or an error looks the
same over a Unix socket and over HTTP. Decoders validate everything they read and raise
``ProtocolError`` naming the field that was wrong: the peer is untrusted.

Audio frame: ``{"seq": int, "rate": int, "ch": int, "pcm": bytes}`` (int16 little-endian,
interleaved) plus ``"filler": bool`` on output and an optional ``"ts": int`` on input: the
audio message of ``vona.codec`` (``encode_audio_frame``/``decode_audio_frame``), whose
``"type"`` tag (``"in"``/``"out"``) may be left out of a step body.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import sys
from types import UnionType
from typing import Any, Literal, Union, cast, get_args, get_origin, get_type_hints

import numpy as np

from vona.backends.step import BackendCapabilities, BackendStep
from vona.codec import decode_audio_frame
from vona.errors import BackendError, CodecError, ProtocolError, VonaError
from vona.events import (
    ContextKind,
    ControlEvent,
    ExternalContextEvent,
    FallbackRequested,
    Interruption,
    LatencyMark,
    ToolCallRequested,
    TurnEnd,
)
from vona.frames import AudioInputFrame, AudioOutputFrame

__all__ = [
    "MAX_CHANNELS",
    "MAX_SAMPLE_RATE_HZ",
    "MIN_SAMPLE_RATE_HZ",
    "RemoteSession",
    "capabilities_from_msg",
    "capabilities_to_msg",
    "context_from_msg",
    "context_to_msg",
    "control_from_msg",
    "control_to_msg",
    "error_from_msg",
    "error_to_msg",
    "input_frame_from_msg",
    "input_frame_to_msg",
    "pcm_to_base64",
    "step_from_msg",
    "step_to_msg",
]

MAX_SAMPLE_RATE_HZ = 384_000
MIN_SAMPLE_RATE_HZ = 8_000
MAX_CHANNELS = 8
_LITTLE = sys.byteorder == "little"

_CONTROL_TYPES: dict[str, type[ControlEvent]] = {
    "tool_call": ToolCallRequested,
    "interruption": Interruption,
    "turn_end": TurnEnd,
    "fallback": FallbackRequested,
    "latency_mark": LatencyMark,
}
_CONTROL_TAGS = {cls: tag for tag, cls in _CONTROL_TYPES.items()}
_CONTEXT_KINDS = frozenset(get_args(ContextKind))


@dataclasses.dataclass(slots=True)
class RemoteSession:
    """The client's handle on a session that lives in another process."""

    session_id: str
    ended: bool = False
    key: str | None = None  # the sidecar's per-session secret (HTTP), sent on every call


@functools.cache
def _field_checks(cls: type) -> dict[str, tuple[tuple[type, ...], tuple[object, ...]]]:
    """Per field: the plain types a value may have, and the allowed values of a Literal."""
    checks = {}
    for name, hint in get_type_hints(cls).items():
        kinds: list[type] = []
        literals: list[object] = []
        for arg in get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,):
            origin = get_origin(arg)
            if origin is Literal:
                literals.extend(get_args(arg))
            elif arg is type(None):
                kinds.append(type(None))
            else:
                kinds.append(origin or arg)
        checks[name] = (tuple(kinds), tuple(literals))
    return checks


def _check_types(cls: type, values: dict[Any, Any], what: str) -> None:
    checks = _field_checks(cls)
    for key, value in values.items():
        kinds, literals = checks[key]
        if literals and value in literals and type(value) is str:
            continue
        if kinds and type(value) in kinds and not (type(value) is bool and bool not in kinds):
            continue
        if float in kinds and type(value) is int:
            continue
        raise ProtocolError(f"{what} field {key!r} has a bad value {value!r}"[:200])


def _need_map(msg: object, what: str) -> dict[Any, Any]:
    if not isinstance(msg, dict):
        raise ProtocolError(f"{what} must be a map, got {type(msg).__name__}")
    return msg


def _audio_from_msg(msg: object, kind: str, what: str) -> Any:
    """Validate an audio map and build its frame with the native audio-message decoder."""
    m = _need_map(msg, what)
    pcm = m.get("pcm")
    if isinstance(pcm, str):  # JSON bodies carry base64
        try:
            m = {**m, "pcm": base64.b64decode(pcm, validate=True)}
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError(f"{what} 'pcm' is not valid base64: {exc}") from None
    elif isinstance(pcm, (bytearray, memoryview)):
        m = {**m, "pcm": bytes(pcm)}
    got = m.setdefault("type", kind)  # the HTTP step body may leave the tag out
    if got != kind:
        raise ProtocolError(f"{what} 'type' must be {kind!r}, got {got!r}")
    try:
        frame = decode_audio_frame(m)
    except CodecError as exc:
        raise ProtocolError(f"{what}: {exc}") from None
    rate = frame.sample_rate_hz
    if rate > MAX_SAMPLE_RATE_HZ:
        raise ProtocolError(f"{what} 'rate'={rate} is over {MAX_SAMPLE_RATE_HZ}")
    if rate < MIN_SAMPLE_RATE_HZ:
        raise ProtocolError(f"{what} 'rate'={rate} is under {MIN_SAMPLE_RATE_HZ}")
    if frame.channels > MAX_CHANNELS:
        raise ProtocolError(f"{what} 'ch'={frame.channels} is over {MAX_CHANNELS}")
    return frame


def _pcm_of(samples: np.ndarray[Any, Any]) -> bytes:
    if samples.dtype != np.int16:
        raise ProtocolError(f"audio samples must be int16, got {samples.dtype}")
    return samples.tobytes() if _LITTLE else samples.astype("<i2").tobytes()


def pcm_to_base64(msg: dict[str, Any]) -> dict[str, Any]:
    """A copy of an audio map with ``pcm`` as base64 text, for JSON bodies."""
    out = dict(msg)
    out["pcm"] = base64.b64encode(msg["pcm"]).decode("ascii")
    return out


def input_frame_to_msg(frame: AudioInputFrame) -> dict[str, Any]:
    return {
        "type": "in",
        "seq": frame.sequence,
        "rate": frame.sample_rate_hz,
        "ch": frame.channels,
        "pcm": _pcm_of(frame.samples),
        "ts": frame.timestamp_ns,
    }


def input_frame_from_msg(msg: object) -> AudioInputFrame:
    frame: AudioInputFrame = _audio_from_msg(msg, "in", "step frame")
    return frame


def _output_to_msg(frame: AudioOutputFrame) -> dict[str, Any]:
    return {
        "type": "out",
        "seq": frame.sequence,
        "rate": frame.sample_rate_hz,
        "ch": frame.channels,
        "pcm": _pcm_of(frame.samples),
        "filler": frame.is_filler,
    }


def _output_from_msg(msg: object) -> AudioOutputFrame:
    frame: AudioOutputFrame = _audio_from_msg(msg, "out", "output frame")
    return frame


def control_to_msg(event: ControlEvent) -> dict[str, Any]:
    tag = _CONTROL_TAGS.get(type(event))
    if tag is None:
        raise ProtocolError(f"control event {type(event).__name__} has no wire form")
    msg: dict[str, Any] = {"type": tag}
    for f in dataclasses.fields(event):
        msg[f.name] = getattr(event, f.name)
    return msg


def control_from_msg(msg: object) -> ControlEvent:
    m = _need_map(msg, "control event")
    tag = m.get("type")
    cls = _CONTROL_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise ProtocolError(f"unknown control event type {tag!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    extra = set(m) - names - {"type"}
    if extra:
        raise ProtocolError(f"control event {tag!r} has unknown fields {sorted(map(str, extra))}")
    values = {k: v for k, v in m.items() if k != "type"}
    _check_types(cls, values, f"control event {tag!r}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ProtocolError(f"control event {tag!r}: {exc}") from None


def step_to_msg(step: BackendStep) -> dict[str, Any]:
    return {
        "audio": [_output_to_msg(f) for f in step.output_audio],
        "events": [control_to_msg(e) for e in step.control_events],
    }


def step_from_msg(msg: object) -> BackendStep:
    m = _need_map(msg, "step result")
    audio, events = m.get("audio", []), m.get("events", [])
    if not isinstance(audio, list) or not isinstance(events, list):
        raise ProtocolError("step result 'audio' and 'events' must be lists")
    return BackendStep([_output_from_msg(a) for a in audio], [control_from_msg(e) for e in events])


def context_to_msg(event: ExternalContextEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "payload": event.payload,
        "call_id": event.call_id,
        "generation_id": event.generation_id,
    }


def context_from_msg(msg: object) -> ExternalContextEvent:
    m = _need_map(msg, "context event")
    kind = m.get("kind")
    if not isinstance(kind, str) or kind not in _CONTEXT_KINDS:
        raise ProtocolError(f"context event 'kind' must be one of {sorted(_CONTEXT_KINDS)}")
    payload = m.get("payload", {})
    if not isinstance(payload, dict):
        raise ProtocolError("context event 'payload' must be a map")
    call_id = m.get("call_id")
    if call_id is not None and not isinstance(call_id, str):
        raise ProtocolError("context event 'call_id' must be a string or null")
    gen = m.get("generation_id")
    if gen is not None and type(gen) is not int:
        raise ProtocolError("context event 'generation_id' must be an integer or null")
    extra = set(m) - {"kind", "payload", "call_id", "generation_id"}
    if extra:
        raise ProtocolError(f"context event has unknown fields {sorted(map(str, extra))}")
    return ExternalContextEvent(
        cast(ContextKind, kind), payload, call_id=call_id, generation_id=gen
    )


def capabilities_to_msg(caps: BackendCapabilities) -> dict[str, Any]:
    return {f.name: getattr(caps, f.name) for f in dataclasses.fields(caps)}


def capabilities_from_msg(msg: object) -> BackendCapabilities:
    m = _need_map(msg, "capabilities")
    names = {f.name for f in dataclasses.fields(BackendCapabilities)}
    values = {k: v for k, v in m.items() if k in names}  # newer servers may send more
    _check_types(BackendCapabilities, values, "capabilities")
    try:
        return BackendCapabilities(**values)
    except TypeError as exc:
        raise ProtocolError(f"capabilities: {exc}") from None


def error_to_msg(exc: BaseException) -> dict[str, Any]:
    """An exception as ``{"type", "message", "retryable"}``; non-Vona errors are not retryable."""
    retryable = bool(getattr(exc, "retryable", False)) if isinstance(exc, VonaError) else False
    return {"type": type(exc).__name__, "message": str(exc), "retryable": retryable}


def error_from_msg(msg: object, *, where: str) -> BackendError:
    """The far side's error as a ``BackendError`` keeping its retryable flag."""
    if not isinstance(msg, dict):
        return BackendError(f"{where} failed with a malformed error: {msg!r}"[:500])
    kind = msg.get("type", "Error")
    text = msg.get("message", "")
    retryable = msg.get("retryable", False)
    return BackendError(f"{where}: {kind}: {text}", retryable=retryable is True)

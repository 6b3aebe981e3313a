"""Find backends, engines, model artifacts and converters by name through entry points.

Adapters (and the core, for what it ships) declare what they provide in their package
metadata, one entry-point group per kind:

- ``vona.backends``: a ``BackendEntry`` whose ``contract`` says which protocol the built
  object implements (``"step"``: ``SpeechToSpeechBackend``; ``"realtime"``:
  ``RealtimeVoiceBackend``);
- ``vona.engines``: an ``EngineEntry`` whose ``kind`` is ``"stt"``, ``"tts"``,
  ``"responder"``, ``"vad"`` (a VAD factory returns a zero-argument callable that makes
  one model per session) or ``"turn"`` (an end-of-turn model);
- ``vona.models``: an ``Artifact`` (sha256, sources) that provisioning can fetch;
- ``vona.converters``: a ``ConverterEntry`` that turns an installed artifact into another
  engine's format.

The entry point's name is the name callers ask for; an extra written after the object
reference (``"pkg.mod:OBJ [onnx]"``) names the ``vona`` extra holding its dependencies.
Nothing is loaded at ``import vona``: the entry-point table is read once on first lookup
and each entry is loaded once, when asked for.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Literal, TypeVar

from vona.errors import ConfigError

__all__ = [
    "BACKENDS",
    "CONVERTERS",
    "ENGINES",
    "MODELS",
    "BackendEntry",
    "Contract",
    "ConverterEntry",
    "EngineEntry",
    "EngineKind",
    "backend",
    "build_backend",
    "build_engine",
    "clear_cache",
    "converter",
    "engine",
    "entry_extra",
    "model_artifacts",
    "names",
]

BACKENDS = "vona.backends"
ENGINES = "vona.engines"
MODELS = "vona.models"
CONVERTERS = "vona.converters"

Contract = Literal["step", "realtime"]
EngineKind = Literal["stt", "tts", "responder", "vad", "turn"]

_CONTRACTS = ("step", "realtime")
_KINDS = ("stt", "tts", "responder", "vad", "turn")
_WHAT = {
    BACKENDS: "backend",
    ENGINES: "engine",
    MODELS: "model artifact",
    CONVERTERS: "model converter",
}


@dataclass(frozen=True, slots=True)
class BackendEntry:
    """A backend and the contract it implements; ``factory(**options)`` builds one."""

    contract: Contract
    factory: Callable[..., Any]
    description: str = ""

    def __post_init__(self) -> None:
        if self.contract not in _CONTRACTS:
            raise ConfigError(f"backend contract {self.contract!r} is not one of {_CONTRACTS}")


@dataclass(frozen=True, slots=True)
class EngineEntry:
    """A cascade engine of one kind; ``factory(**options)`` builds it (for ``"vad"``: a
    zero-argument callable making one model per session)."""

    kind: EngineKind
    factory: Callable[..., Any]
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(f"engine kind {self.kind!r} is not one of {_KINDS}")


@dataclass(frozen=True, slots=True)
class ConverterEntry:
    """Converts the installed artifact ``source`` (the default) into ``convert(src, dst,
    dtype=...)``'s format; ``dtypes`` lists the accepted ``dtype`` values, first default."""

    source: str
    convert: Callable[..., Path]
    description: str = ""
    dtypes: tuple[str, ...] = ("float16", "float32")


@functools.cache
def _table(group: str) -> dict[str, EntryPoint]:
    # one entry per name; a later distribution does not silently replace an earlier one
    table: dict[str, EntryPoint] = {}
    for ep in entry_points(group=group):
        table.setdefault(ep.name, ep)
    return table


def names(group: str) -> tuple[str, ...]:
    """The names registered in ``group``, sorted (nothing is loaded)."""
    return tuple(sorted(_table(group)))


def entry_extra(group: str, name: str) -> str | None:
    """The ``vona`` extra an entry declares for its dependencies, if any."""
    ep = _table(group).get(name)
    return ep.extras[0] if ep is not None and ep.extras else None


def _unknown(group: str, name: str, known: tuple[str, ...], what: str | None = None) -> ConfigError:
    # the extras this group's entries declare (read from the metadata, so the core names
    # no provider): installing one makes that entry's dependencies available
    extras = sorted({e for ep in _table(group).values() for e in ep.extras})
    more = ", ".join(f"vona[{e}]" for e in extras) or "none"
    return ConfigError(
        f"unknown {what or _WHAT.get(group, group)} {name!r} "
        f"(known: {', '.join(known) or 'none'}); "
        f"the dependencies of more come with the extras {more}, and other providers with "
        f"an adapter package registering entry-point group {group!r}"
    )


def _needs(group: str, name: str, exc: ImportError) -> ConfigError:
    extra = entry_extra(group, name)
    hint = f"the {extra} extra (pip install 'vona[{extra}]')" if extra else "its dependencies"
    return ConfigError(f"{_WHAT.get(group, group)} {name!r} needs {hint}: {exc}")


@functools.cache
def _load(group: str, name: str) -> Any:
    ep = _table(group).get(name)
    if ep is None:
        raise _unknown(group, name, names(group))
    try:
        return ep.load()
    except ImportError as exc:
        raise _needs(group, name, exc) from None


_T = TypeVar("_T")


def _typed(group: str, name: str, cls: type[_T]) -> _T:
    obj = _load(group, name)
    if not isinstance(obj, cls):
        raise ConfigError(
            f"entry point {name!r} of group {group!r} is a {type(obj).__name__}, "
            f"not a {cls.__name__}"
        )
    return obj


def backend(name: str, contract: Contract | None = None) -> BackendEntry:
    """The registration of backend ``name``; with ``contract``, it must implement that one."""
    entry = _typed(BACKENDS, name, BackendEntry)
    if contract is not None and entry.contract != contract:
        raise ConfigError(
            f"backend {name!r} implements the {entry.contract} contract, not {contract}"
        )
    return entry


def engine(name: str, kind: EngineKind | None = None) -> EngineEntry:
    """The registration of engine ``name``; with ``kind``, it must be of that kind."""
    if kind is not None and name not in _table(ENGINES):
        # list only the engines that could stand in (loads their registrations: error path)
        raise _unknown(ENGINES, name, _of_kind(kind), f"{kind} engine")
    entry = _typed(ENGINES, name, EngineEntry)
    if kind is not None and entry.kind != kind:
        same = _of_kind(kind)
        raise ConfigError(
            f"engine {name!r} is of kind {entry.kind}, not {kind} "
            f"({kind} engines: {', '.join(same) or 'none'})"
        )
    return entry


def _of_kind(kind: str) -> tuple[str, ...]:
    return tuple(n for n in names(ENGINES) if _kind_of(n) == kind)


def _kind_of(name: str) -> str | None:
    try:
        return engine(name).kind
    except ConfigError:  # an entry whose dependencies are missing
        return None


def converter(name: str) -> ConverterEntry:
    return _typed(CONVERTERS, name, ConverterEntry)


def _build(group: str, name: str, factory: Callable[..., Any], options: dict[str, Any]) -> Any:
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as exc:  # wrong options are the caller's configuration, not a bug
        raise ConfigError(f"{_WHAT.get(group, group)} {name!r}: {exc}") from None
    except ValueError:  # no signature to check (a builtin); the call will tell
        pass
    try:
        return factory(**options)
    except ImportError as exc:  # factories import their optional dependencies lazily
        raise _needs(group, name, exc) from None


def build_backend(name: str, contract: Contract | None = None, **options: Any) -> Any:
    """Build backend ``name`` with ``options`` (keyword arguments of its factory)."""
    return _build(BACKENDS, name, backend(name, contract).factory, options)


def build_engine(name: str, kind: EngineKind | None = None, **options: Any) -> Any:
    """Build engine ``name`` with ``options`` (keyword arguments of its factory)."""
    return _build(ENGINES, name, engine(name, kind).factory, options)


def model_artifacts() -> dict[str, Any]:
    """Every registered model artifact, keyed by entry name (provisioning checks the type;
    an artifact's module must import without the optional dependencies of its engine)."""
    return {name: _load(MODELS, name) for name in names(MODELS)}


def clear_cache() -> None:
    """Forget the entry-point table and loaded entries (after installing a package)."""
    _table.cache_clear()
    _load.cache_clear()

"""The exceptions Vona raises. Every failure a user can cause is one of these.

VonaError
├── ConfigError          (also ValueError)  bad configuration or arguments
├── AudioFormatError     (also ValueError)  wrong dtype, layout, rate or size of audio
├── CodecError           (also ValueError)  bytes that do not decode, or exceed a limit
├── TransportError                          an audio transport failed
├── BackendError(retryable)                 a backend failed; retryable says if a retry may help
├── ProtocolError                           a peer broke its wire protocol
├── SkillError                              a skill (tool) failed or was misused
├── SessionLimitError                       a SessionManager is full
└── ProvisioningError                       a model artifact is missing or corrupt
"""

from __future__ import annotations

__all__ = [
    "AudioFormatError",
    "BackendError",
    "CodecError",
    "ConfigError",
    "MissingExtraError",
    "ProtocolError",
    "ProvisioningError",
    "SessionLimitError",
    "SkillError",
    "TransportError",
    "VonaError",
]


class VonaError(Exception):
    """Base class of every Vona exception."""


class ConfigError(VonaError, ValueError):
    """A configuration value or argument is invalid."""


class MissingExtraError(ConfigError, ImportError):
    """An optional dependency is not installed; the message names the ``vona`` extra that
    installs it. Also an ``ImportError``, so code that guards imports keeps working."""


class AudioFormatError(VonaError, ValueError):
    """Audio of the wrong dtype, layout, sample rate, channel count or size."""


class CodecError(VonaError, ValueError):
    """Encoded bytes that cannot be decoded, or input that exceeds a codec limit."""


class TransportError(VonaError):
    """An audio transport failed to deliver or receive audio."""


class BackendError(VonaError):
    """A speech backend failed.

    ``retryable`` is True when the same request may succeed later or on a fallback
    backend (timeouts, dropped connections, overload); False for failures that a
    retry cannot fix (authentication, invalid configuration).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_backend_error, (str(self), self.retryable))


def _rebuild_backend_error(message: str, retryable: bool) -> BackendError:
    return BackendError(message, retryable=retryable)


class ProtocolError(VonaError):
    """A peer sent something its wire protocol does not allow."""


class SkillError(VonaError):
    """A skill (tool) is unknown, misconfigured or failed."""


class SessionLimitError(VonaError):
    """A SessionManager refused a session because it is at max_sessions."""


class ProvisioningError(VonaError):
    """A model artifact is missing, incomplete or fails its checksum."""

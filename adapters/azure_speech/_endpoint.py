"""Where an Azure Speech engine sends its requests, and how it authenticates."""

from __future__ import annotations

import os

from vona.adapters._hosted import key_from
from vona.errors import ConfigError
from vona.realtime.secrets import ApiKey

__all__ = ["PROVIDER", "endpoint", "speech_key"]

PROVIDER = "azure-speech"


def endpoint(base_url: str | None, region: str | None, service: str) -> str:
    """``base_url``, else ``$AZURE_SPEECH_ENDPOINT``, else the regional host of ``service``
    (``tts`` or ``stt``) for ``region`` or ``$AZURE_SPEECH_REGION``."""
    explicit = base_url or os.environ.get("AZURE_SPEECH_ENDPOINT")
    if explicit:
        if not explicit.startswith(("http://", "https://")):
            raise ConfigError(f"{PROVIDER}: base_url must be http(s)://, got {explicit!r}")
        return explicit.rstrip("/")
    region = region or os.environ.get("AZURE_SPEECH_REGION")
    if not region:
        raise ConfigError(
            f"{PROVIDER}: no endpoint; pass base_url=... or region=..., or set "
            "AZURE_SPEECH_ENDPOINT or AZURE_SPEECH_REGION"
        )
    if not region.replace("-", "").isalnum():
        raise ConfigError(f"{PROVIDER}: region {region!r} is not a region name")
    return f"https://{region}.{service}.speech.microsoft.com"


def speech_key(api_key: str | ApiKey | None) -> ApiKey:
    return key_from(api_key, "AZURE_SPEECH_KEY", PROVIDER)

"""The sidecar: a backend served over HTTP and a Unix socket (``vona sidecar``).

See docs/architecture.md, section "Sidecar HTTP and IPC contract".
"""

from __future__ import annotations

from vona.sidecar.server import Sidecar, build_backend, sidecar_main
from vona.sidecar.settings import SidecarSettings

__all__ = ["Sidecar", "SidecarSettings", "build_backend", "sidecar_main"]

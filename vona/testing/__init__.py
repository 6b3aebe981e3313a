"""The deterministic harness: virtual time, scripted transports and mock backends.

Imports without pytest; the pytest fixtures live in ``vona.testing.pytest_plugin``
(registered as a ``pytest11`` entry point, so they are available in any test suite
that has Vona installed).
"""

from __future__ import annotations

from vona.testing.virtual_time import VirtualClock, VirtualEventLoop, run_virtual

__all__ = ["VirtualClock", "VirtualEventLoop", "run_virtual"]

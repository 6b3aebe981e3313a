"""The ``vona`` command line: ``vona info``, ``vona bench`` and the commands other modules add."""

from vona.cli.main import main

__all__ = ["main"]

"""Optional dependencies: fail early, and say which ``vona`` extra installs them.

An adapter package calls ``require_extra("openai", "websockets", feature=__name__)`` before
importing its dependencies, so ``import vona.adapters.openai_realtime`` without the extra
raises a ``MissingExtraError`` (a ``ConfigError`` and an ``ImportError``) that names
``pip install 'vona[openai]'`` instead of a bare ``ModuleNotFoundError`` from deep inside.
"""

from __future__ import annotations

import importlib.util

from vona.errors import MissingExtraError

__all__ = ["require_extra"]


def require_extra(extra: str, *modules: str, feature: str) -> None:
    """Raise ``MissingExtraError`` unless every top-level module in ``modules`` is
    installed; ``feature`` names what needs them (usually the adapter's ``__name__``)."""
    missing = [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        raise MissingExtraError(
            f"{feature} needs the '{extra}' extra: pip install 'vona[{extra}]' "
            f"({', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed)"
        )

"""docs/reference.md's code blocks run, in order, as one program (its asserts are the test)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def test_reference_doc_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 3
    module = types.ModuleType("reference_doc")  # dataclasses look their module up
    sys.modules[module.__name__] = module
    try:
        exec(compile("\n".join(blocks), str(DOC), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    assert module.metrics.error is None

"""docs/reference.md's code blocks run, in order, as one program (its asserts are the test)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def test_reference_doc_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {"__name__": "reference_doc"}
    exec(compile("\n".join(blocks), str(DOC), "exec"), namespace)
    assert "metrics" in namespace

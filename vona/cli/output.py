"""Human output through rich when it is installed, plain text otherwise; JSON on request."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any


def print_json(data: Any) -> None:
    """One JSON document on stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_mapping(title: str, data: Mapping[str, Any]) -> None:
    """A two-column key/value table."""
    print_table(title, ["key", "value"], [[k, str(v)] for k, v in data.items()])


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table with a title; rich when available."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        print("  ".join(columns))
        for row in rows:
            print("  ".join(str(c) for c in row))
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(c) for c in row))
    Console().print(table)

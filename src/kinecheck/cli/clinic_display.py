"""How clinic lists look in a terminal: aligned columns, local dates and times.

Records hold times in UTC; people read them in their own time zone. Cells are measured in
terminal columns (`render.layout.cells`), so names in any script line up, and control
characters are shown as '?' rather than sent to the terminal, whatever a row holds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

import typer

GAP = "  "  # between columns
NONE = "-"  # an empty cell


def local_time(at: datetime | None) -> str:
    """'2026-05-01 10:22' in the computer's time zone (NONE when there is no time)."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at is not None else NONE


def local_date(at: datetime | date | None) -> str:
    """'2026-05-01': a date as is, a time as its local day (NONE when there is none)."""
    if at is None:
        return NONE
    return (at.astimezone().date() if isinstance(at, datetime) else at).isoformat()


def safe(text: object) -> str:
    """The text with control characters shown as '?' (NONE for None)."""
    if text is None:
        return NONE
    return "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in str(text))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows under their headers, each column as wide as its widest cell; the last unpadded."""
    from kinecheck.render.layout import cells

    shown = [[safe(cell) for cell in row] for row in [list(headers), *rows]]
    widths = [max(cells(row[i]) for row in shown) for i in range(len(headers))]
    for row in shown:
        padded = [cell + " " * (widths[i] - cells(cell)) for i, cell in enumerate(row[:-1])]
        typer.echo(GAP.join([*padded, row[-1]]).rstrip())

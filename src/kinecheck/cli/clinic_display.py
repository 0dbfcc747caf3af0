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
MIN_WRAPPED = 16  # a wrapped column keeps at least this many terminal columns


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
    """Rows under their headers, each column as wide as its widest cell; the last unpadded.

    When the table is wider than the terminal, its widest column is wrapped within its cell
    (down to MIN_WRAPPED columns), so a long list of findings stays in its own column
    instead of the terminal folding each row across the next one's.
    """
    import shutil

    from kinecheck.render.layout import cells, wrap

    shown = [[safe(cell) for cell in row] for row in [list(headers), *rows]]
    widths = [max(cells(row[i]) for row in shown) for i in range(len(headers))]
    room = shutil.get_terminal_size((100, 24)).columns - 1
    wide = max(range(len(widths)), key=lambda i: widths[i])
    over = sum(widths) + len(GAP) * (len(widths) - 1) - room
    if over > 0 and widths[wide] > MIN_WRAPPED:
        widths[wide] = max(MIN_WRAPPED, widths[wide] - over)
    for row in shown:
        parts = [[cell] for cell in row]
        if cells(row[wide]) > widths[wide]:
            lines = wrap([(row[wide], None)], widths[wide])
            parts[wide] = [" ".join("".join(p for p, _ in word) for word in line) for line in lines]
        for n in range(max(len(p) for p in parts)):
            line = [p[n] if n < len(p) else "" for p in parts]
            padded = [c + " " * (widths[i] - cells(c)) for i, c in enumerate(line[:-1])]
            typer.echo(GAP.join([*padded, line[-1]]).rstrip())

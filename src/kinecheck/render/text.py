"""The terminal report, drawn with rich: referral first, then findings, then the plan.

Lists use hanging indents (a wrapped line starts under the text, not under the bullet), so it
stays readable at 40 columns. Colour is never the only cue: levels are written out, and rich
drops colour when NO_COLOR is set. `plain=True` also drops the boxes, for screen readers and pipes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kinecheck.models.report import FindingResult, PlanItem, Report
from kinecheck.render.words import LEVEL_WORDS, answer_text, dose_text, equipment_line

_LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "soon": "bold yellow",
    "routine": "bold cyan",
    "none": "green",
}


def points(n: int) -> str:
    """'1 point', '3 points'."""
    return f"{n} point{'' if n == 1 else 's'}"


def _listing(items: Iterable[tuple[str, RenderableType | str]], indent: int = 2) -> Padding:
    """Marker and text side by side: wrapped lines hang under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(overflow="fold")
    for marker, body in items:
        # Content is data, never rich markup: "[tennis size]" must print as written.
        grid.add_row(Text(marker), Text(body) if isinstance(body, str) else body)
    return Padding(grid, (0, 0, 0, indent))


def _labelled(label: str, value: str) -> Text:
    text = Text(f"{label}: ", style="bold")
    text.append(value)
    return text


def _heading(title: str) -> Text:
    return Text("\n" + title, style="bold underline")


def _boxed(body: RenderableType, title: str, style: str, plain: bool) -> RenderableType:
    if plain:
        return Group(Text(title, style="bold"), body)
    return Panel(body, title=Text(title), title_align="left", border_style=style)


def _referral(report: Report, plain: bool, bullet: str) -> list[RenderableType]:
    ref = report.referral
    if ref.level == "none":
        return []
    reasons = _listing(
        (
            (bullet, Text.assemble((f"{r.level}: ", _LEVEL_STYLE[r.level]), r.message))
            for r in ref.reasons
        ),
        indent=0,
    )
    body = Group(Text(ref.message), Text(""), reasons)
    title = f"{LEVEL_WORDS[ref.level]}: {ref.title}"
    return [_boxed(body, title, _LEVEL_STYLE[ref.level], plain)]


def _finding(f: FindingResult, bullet: str) -> RenderableType:
    head = Text(f"\n{f.title}", style="bold")
    head.append(f" ({f.level}, {points(f.score)})")
    rows: list[tuple[str, RenderableType | str]] = []
    for ev in f.evidence:
        line = Text(ev.because)
        line.append(f" (your answer: {answer_text(ev.answer)}; {points(ev.points)})", "dim")
        rows.append((bullet, line))
    if f.capped:
        rows.append((bullet, f"Level limited: {f.capped}"))
    rows += [(bullet, Text(f"Note: {n}", style="italic")) for n in f.notes]
    return Group(head, Padding(Text(f.statement), (0, 0, 0, 2)), _listing(rows, indent=4))


def _plan_item(number: int, item: PlanItem, bullet: str) -> RenderableType:
    head = Text(f"\n{number}. {item.name}", style="bold")
    head.append(f" ({item.kind}, {item.variant_name})")
    body: list[RenderableType] = [
        Text(item.purpose),
        _labelled("Dose", dose_text(item.dose, item.sides)),
    ]
    equipment = equipment_line(item)
    if equipment:
        body.append(Text(equipment))
    body.append(_labelled("Set-up", item.setup))
    body.append(Text("Steps:", style="bold"))
    body.append(_listing(((f"{n}.", s) for n, s in enumerate(item.steps, 1)), indent=2))
    body.append(_labelled("Gone too far", item.too_far))
    body.append(_labelled("Too hard", item.easier))
    extra = [*item.cautions, *item.notes]
    if extra:
        body.append(_listing(((bullet, c) for c in extra), indent=0))
    return Group(head, Padding(Group(*body), (0, 0, 0, 3)))


def renderables(report: Report, *, plain: bool = False) -> list[RenderableType]:
    """The report as rich renderables: referral, findings, plan, stop rule, disclaimer."""
    bullet = "-" if plain else "•"
    out: list[RenderableType] = _referral(report, plain, bullet)
    out.append(_heading("What your answers suggest"))
    if not report.findings:
        out.append(Text("No hip or ankle pattern stood out in your answers."))
    out += [_finding(f, bullet) for f in report.findings]
    out.append(_heading("Your exercise plan"))
    out.append(Text(report.plan_status_message))
    out += [_plan_item(i, item, bullet) for i, item in enumerate(report.plan, 1)]
    out.append(Text(""))
    out.append(_boxed(Text(report.stop_rule), "Stop rule", "bold", plain))
    out.append(Text("\n" + report.disclaimer, style="italic"))
    return out


def print_report(report: Report, console: Console, *, plain: bool = False) -> None:
    """Print the report to a console (the quiz and `assess` both use this)."""
    console.print(Group(*renderables(report, plain=plain)))


MIN_WIDTH = 40


def _columns(default: int) -> int:
    """COLUMNS when it is a usable width; a bogus 0 or -5 must never swallow the report."""
    try:
        width = int(os.environ.get("COLUMNS", "") or default)
    except ValueError:
        width = default
    return width if width >= MIN_WIDTH else default


def terminal_console(**options: Any) -> Console:
    """A console for the terminal, at least MIN_WIDTH wide whatever the environment says."""
    import shutil

    width = max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH)
    return Console(highlight=False, width=_columns(width), **options)


def render(report: Report, *, plain: bool = False) -> str:
    """The report as text without colour codes, for files and pipes."""
    width = min(_columns(80), 100)
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, color_system=None, highlight=False)
    print_report(report, console, plain=plain)
    return "\n".join(line.rstrip() for line in buf.getvalue().split("\n"))

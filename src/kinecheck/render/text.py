"""The terminal report, drawn with rich: readable at 80 columns, plain when NO_COLOR is set."""

from __future__ import annotations

import io
import os

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from kinecheck.models.report import Report
from kinecheck.render.words import LEVEL_WORDS, answer_text, dose_text, equipment_line

_LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "soon": "bold yellow",
    "routine": "bold cyan",
    "none": "green",
}


def renderables(report: Report) -> list[RenderableType]:
    """The report as rich renderables: referral first, findings, plan, stop rule, disclaimer."""
    out: list[RenderableType] = []
    ref = report.referral
    if ref.level != "none":
        body = Text(ref.message + "\n")
        for r in ref.reasons:
            body.append(f"\n- [{r.level}] ", style=_LEVEL_STYLE[r.level])
            body.append(r.message)
        out.append(
            Panel(
                body,
                title=f"{LEVEL_WORDS[ref.level]}: {ref.title}",
                border_style=_LEVEL_STYLE[ref.level],
                title_align="left",
            )
        )
    out.append(Text("\nWhat your answers suggest", style="bold underline"))
    if not report.findings:
        out.append(Text("No hip or ankle pattern stood out in your answers."))
    for f in report.findings:
        t = Text(f"\n{f.title} ({f.level}, {f.score} points)\n", style="bold")
        t.append(f.statement + "\n")
        for ev in f.evidence:
            t.append(f"  - {ev.because} (your answer: {answer_text(ev.answer)}, +{ev.points})\n")
        if f.capped:
            t.append(f"  - Level limited: {f.capped}\n")
        for n in f.notes:
            t.append(f"  Note: {n}\n", style="italic")
        out.append(t)
    out.append(Text("\nYour exercise plan", style="bold underline"))
    out.append(Text(report.plan_status_message))
    for i, item in enumerate(report.plan, 1):
        t = Text(f"\n{i}. {item.name}", style="bold")
        t.append(f"  ({item.kind}, {item.variant_name})\n")
        t.append(item.purpose + "\n")
        t.append("Dose: ", style="bold")
        t.append(dose_text(item.dose, item.sides) + "\n")
        eq = equipment_line(item)
        if eq:
            t.append(eq + "\n")
        t.append("Set-up: ", style="bold")
        t.append(item.setup + "\n")
        for number, step in enumerate(item.steps, 1):
            t.append(f"  {number}. {step}\n")
        t.append("Gone too far: ", style="bold")
        t.append(item.too_far + "\n")
        t.append("Too hard? ", style="bold")
        t.append(item.easier + "\n")
        for c in [*item.cautions, *item.notes]:
            t.append(f"  - {c}\n")
        out.append(t)
    out.append(Panel(Text(report.stop_rule), title="Stop rule", title_align="left"))
    out.append(Text(report.disclaimer, style="italic"))
    return out


def print_report(report: Report, console: Console) -> None:
    """Print the report to a console (the quiz and `assess` both use this)."""
    console.print(Group(*renderables(report)))


def render(report: Report) -> str:
    """The report as plain text (no colour codes), for files and pipes."""
    width = min(int(os.environ.get("COLUMNS", "80") or 80), 100)
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, color_system=None, highlight=False)
    print_report(report, console)
    return buf.getvalue()

"""The report as text for people: referral, scores, findings, the plan, stop rule, disclaimer.

Laid out with `kinecheck.render.layout` (paragraphs, lists, frames in terminal cells). On a
colour terminal headings are bold and the referral is framed in its level's colour; colour is
never the only cue (levels are written out) and NO_COLOR turns it off. `plain=True` drops
frames and marks, for screen readers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from kinecheck.render.layout import (
    BOLD,
    BOX,
    DIM,
    HEADING,
    ITALIC,
    Layout,
    Span,
)
from kinecheck.render.words import (
    LEVEL_WORDS,
    answer_text,
    dose_text,
    equipment_line,
    points,
    score_line,
    shows_findings,
    shows_referral,
)

if TYPE_CHECKING:  # annotations only: the report model is not needed to lay text out
    from kinecheck.scoring.report import FindingResult, PlanItem, Report

MIN_WIDTH = 40
MAX_FILE_WIDTH = 100
LEVEL_STYLE = {  # the referral's frame and heading, per level (ANSI SGR)
    "emergency": "1;37;41",
    "urgent": "1;31",
    "soon": "1;33",
    "routine": "1;36",
    "none": "32",
}


# -- the report ---------------------------------------------------------------------------------
def _referral(report: Report, out: Layout) -> None:
    ref = report.referral
    if not shows_referral(report) or ref.title is None:
        return
    body = out.inner()
    body.para(ref.message or "")
    if ref.reasons:
        body.blank()
    body.items(
        (out.bullet, [(f"{r.level}: ", LEVEL_STYLE[r.level]), (r.message, None)])
        for r in ref.reasons
    )
    out.framed(f"{LEVEL_WORDS[ref.level]}: {ref.title}", LEVEL_STYLE[ref.level], body)
    out.blank()


def _finding(f: FindingResult, out: Layout) -> None:
    out.blank()
    out.para([(f.title, BOLD), (f" ({f.level}, {points(f.score)})", None)])
    out.para(f.statement, 2)
    rows: list[tuple[str, Sequence[Span] | str]] = [
        (
            out.bullet,
            [
                (ev.because, None),
                (f" (your answer: {answer_text(ev.answer)}; {points(ev.points)})", DIM),
            ],
        )
        for ev in f.evidence
    ]
    if f.capped:
        rows.append((out.bullet, f"Level limited: {f.capped}"))
    rows += [(out.bullet, [(f"Note: {n}", ITALIC)]) for n in f.notes]
    out.items(rows, 4)


def _plan_item(number: int, item: PlanItem, out: Layout) -> None:
    out.blank()
    out.para([(f"{number}. {item.name}", BOLD), (f" ({item.kind}, {item.variant_name})", None)])
    out.para(item.purpose, 3)
    out.para([("Dose: ", BOLD), (dose_text(item.dose, item.sides), None)], 3)
    equipment = equipment_line(item)
    if equipment:
        out.para(equipment, 3)
    out.para([("Set-up: ", BOLD), (item.setup, None)], 3)
    out.para([("Steps:", BOLD)], 3)
    out.items(((f"{n}.", s) for n, s in enumerate(item.steps, 1)), 5)
    out.para([("Gone too far: ", BOLD), (item.too_far, None)], 3)
    out.para([("Too hard: ", BOLD), (item.easier, None)], 3)
    out.items(((out.bullet, c) for c in [*item.cautions, *item.notes]), 3)


def lay_out(report: Report, out: Layout) -> Layout:
    """Lay the whole report out: referral, scores, findings, plan, stop rule, disclaimer, summary.

    Each part only when the rules have it (a scored instrument has no plan to show).
    """
    _referral(report, out)
    if report.scores:
        out.para([("Scores", HEADING)])
        out.blank()
        for score in report.scores:
            out.para(score_line(score))
        out.blank()
    if shows_findings(report):
        out.para([("What your answers suggest", HEADING)])
        if not report.findings and report.wording and report.wording.no_findings:
            out.blank()
            out.para(report.wording.no_findings)
        for f in report.findings:
            _finding(f, out)
        out.blank()
    if report.plan_status_message is not None:
        out.para([("Your exercise plan", HEADING)])
        out.para(report.plan_status_message)
        for i, item in enumerate(report.plan, 1):
            _plan_item(i, item, out)
        out.blank()
    if report.plan and report.stop_rule:  # a stop rule only where there are exercises
        stop = out.inner()
        stop.para(report.stop_rule)
        out.framed("Stop rule", BOLD, stop)
        out.blank()
    out.para([(report.disclaimer, ITALIC)])
    _summary(report, out)
    return out


def _summary(report: Report, out: Layout) -> None:
    """The report in a few lines, last, so it is still on screen when the report is long.

    On a 30-row terminal a full report scrolls its referral and findings away before the
    save question; this box repeats what matters most, in the order it matters.
    """
    ref = report.referral
    box = out.inner()
    if ref.title is None:
        pass  # the rules give no referral advice
    elif ref.level == "none":
        box.para(ref.title)
    else:
        box.para([(f"{LEVEL_WORDS[ref.level]}: ", LEVEL_STYLE[ref.level]), (ref.title, None)])
    for score in report.scores or ():
        box.para(score_line(score))
    if report.findings:
        box.para("Found: " + "; ".join(f"{f.title} ({f.level})" for f in report.findings))
    if report.plan:
        box.para(
            "Exercises, in order: "
            + "; ".join(f"{i}. {item.name}" for i, item in enumerate(report.plan, 1))
        )
    elif report.plan_status is not None:
        box.para("No exercises this time (see above).")
    out.blank()
    out.framed("In short", BOLD, box)


def _columns(default: int) -> int:
    """COLUMNS when it is a usable width; a bogus 0 or -5 must never swallow the report."""
    try:
        width = int(os.environ.get("COLUMNS", "") or default)
    except ValueError:
        width = default
    return width if width >= MIN_WIDTH else default


def wants_colour(stream: TextIO) -> bool:
    """Colour on a terminal that shows it (or with FORCE_COLOR), never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def can_draw_frames(stream: TextIO) -> bool:
    """False when the stream's encoding has no box-drawing characters (say, ASCII)."""
    try:
        "".join(BOX).encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def show(report: Report, stream: TextIO | None = None, *, plain: bool = False) -> None:
    """Print the report to a terminal, as wide as the terminal (the quiz and `assess`)."""
    import shutil

    stream = stream or sys.stdout
    width = _columns(max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH))
    colour = wants_colour(stream) and not plain
    layout = Layout(width, colour=colour, plain=plain, ascii=not can_draw_frames(stream))
    stream.write(lay_out(report, layout).text())
    stream.flush()


def render(report: Report, *, plain: bool = False, ascii: bool = False) -> str:
    """The report as text without colour codes, for files and pipes."""
    width = min(_columns(80), MAX_FILE_WIDTH)
    return lay_out(report, Layout(width, plain=plain, ascii=ascii)).text()

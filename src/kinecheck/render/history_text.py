"""`kinecheck clinic compare` and `progress` for people: plain text, grouped and judged.

Every clinical word (question prompts, finding titles, levels) comes from the stored reports
and definitions; this module adds only neutral headings and the verdicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kinecheck.numbers import number_text

if TYPE_CHECKING:
    from kinecheck.clinic.changes import Change, Comparison, SessionSummary
    from kinecheck.clinic.progress import Point, Progress, Series, SessionEntry

# What stands in for a side that has nothing, by kind of change.
ABSENT = {
    "answer": "not answered",
    "finding": "not found",
    "score": "not scored",
    "referral": "none",
}
INDENT = "  "


def moment(at: datetime | None) -> str:
    """A moment in local time, to the minute: '2026-02-02 10:15'."""
    return "-" if at is None else at.astimezone().strftime("%Y-%m-%d %H:%M")


def signed(difference: float) -> str:
    """'+2', '-1.5', '0': a difference as people write it."""
    return ("+" if difference > 0 else "") + number_text(difference)


def verdict_words(change: Change) -> str:
    """'real change, better', 'no real change', 'new'."""
    return f"{change.verdict}, {change.direction}" if change.direction else change.verdict


def change_line(change: Change) -> str:
    """'8 cm -> 10 cm (+2; smallest real change 1.5): real change, better'."""
    absent = ABSENT[change.kind]
    line = f"{change.before or absent} -> {change.after or absent}"
    details = []
    if change.difference is not None:
        details.append(signed(change.difference))
    if change.smallest_real_change is not None:
        details.append(f"smallest real change {number_text(change.smallest_real_change)}")
    if details:
        line += f" ({'; '.join(details)})"
    return f"{line}: {verdict_words(change)}"


def _session_words(s: SessionSummary) -> str:
    return f"session {s.id} ({s.questionnaire} {s.version}, {moment(s.finished_at)})"


def comparison_text(found: Comparison) -> str:
    """The changes between two sessions, under a heading per group."""
    lines = [
        f"Client {found.after.client_id}: {_session_words(found.before)} compared with "
        f"{_session_words(found.after)}",
    ]
    if not found.changes:
        lines += ["", "No differences between the two sessions."]
    for group, heading in found.headings.items():
        changes = [c for c in found.changes if found.group_of(c) == group]
        if not changes:
            continue
        lines += ["", heading]
        for change in changes:
            if change.title != heading:
                lines.append(INDENT + change.title)
            lines.append(INDENT * 2 + change_line(change))
    return "\n".join(lines) + "\n"


def yardstick_words(series: Series) -> str | None:
    """'smallest real change 1.5; higher is better', or None when neither is declared."""
    parts = []
    if series.smallest_real_change is not None:
        parts.append(f"smallest real change {number_text(series.smallest_real_change)}")
    if series.better is not None:
        parts.append(f"{series.better} is better")
    return "; ".join(parts) or None


def _session_lines(entry: SessionEntry) -> list[str]:
    status = entry.status.replace("_", " ")
    head = (
        f"{INDENT}{moment(entry.finished_at or entry.started_at)}  session {entry.id}  "
        f"{entry.questionnaire} {entry.version}  {status}  ({entry.clinician})"
    )
    parts = []
    if entry.referral is not None:
        parts.append(f"referral: {entry.referral}")
    if entry.findings:
        shown = ", ".join(f"{f.title} ({f.level})" for f in entry.findings)
        parts.append(f"findings: {shown}")
    if entry.scores:
        shown = ", ".join(
            f"{s.title} {'not scored' if s.value is None else number_text(s.value)}"
            for s in entry.scores
        )
        parts.append(f"scores: {shown}")
    return [head] + ([INDENT * 3 + "; ".join(parts)] if parts else [])


def _point_line(point: Point) -> str:
    line = f"{INDENT * 2}{moment(point.at)}  session {point.session_id}  {point.text}"
    change = point.from_previous
    if change is not None and change.difference is not None:
        line += f"  ({signed(change.difference)} since the previous: {verdict_words(change)})"
    return line


def progress_text(found: Progress) -> str:
    """Every session in time order, then each measure's values with their verdicts."""
    count = len(found.sessions)
    lines = [
        f"Progress of {found.client_name} (client {found.client_id}): "
        f"{count} session{'' if count == 1 else 's'}"
    ]
    if found.sessions:
        lines += ["", "Sessions"]
        for entry in found.sessions:
            lines += _session_lines(entry)
    if found.series:
        lines += ["", "Measures"]
    for series in found.series:
        lines.append(INDENT + series.title)
        yardstick = yardstick_words(series)
        if yardstick:
            lines.append(f"{INDENT * 2}({yardstick})")
        lines += [_point_line(p) for p in series.points]
        last = series.points[-1].from_first
        if len(series.points) > 2 and last is not None:
            lines.append(f"{INDENT * 2}since the first: {change_line(last)}")
    return "\n".join(lines) + "\n"

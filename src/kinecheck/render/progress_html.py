"""`kinecheck clinic progress --format html`: one page, a table and a small plot per measure.

The plots are hand-written SVG (no plotting library, nothing fetched): each value of a
measure over time, with a shaded band of the smallest real change around the first value,
so what lies inside the band reads at a glance as "no real change". Every text is escaped.
The page prints cleanly on A4 and Letter: margins only (no page size), nothing split across
a page break that can be kept whole.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from kinecheck.numbers import number_text
from kinecheck.render.history_text import (
    moment,
    signed,
    verdict_words,
    yardstick_words,
)

if TYPE_CHECKING:
    from kinecheck.clinic.changes import Change
    from kinecheck.clinic.progress import Progress, Series, SessionEntry

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45;color:#222}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{border-bottom:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top}"
    "th{font-weight:600}.when{white-space:nowrap}.measure{margin-top:1.5rem}.note{color:#555;font-size:.9em}"
    "svg{max-width:100%;height:auto;display:block}"
    "@page{margin:15mm}"
    "@media print{body{margin:0;max-width:none;font-size:10.5pt}"
    ".measure,tr,svg{break-inside:avoid;page-break-inside:avoid}"
    "h2,h3{break-after:avoid;page-break-after:avoid}}"
)
BAND_NOTE = "Shaded: within the smallest real change of the first value."
# The plot's size in SVG units, and its margins (left for the value labels, bottom for dates).
WIDTH, HEIGHT = 560, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 28


def render(found: Progress) -> str:
    """The whole page: the sessions in time order, then each measure's plot and values."""
    e = escape
    title = f"Progress: {found.client_name}"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{e(title)}</h1><p class='note'>Client {found.client_id}, "
        f"{len(found.sessions)} session{'' if len(found.sessions) == 1 else 's'}.</p>",
        "<h2>Sessions</h2>",
        _sessions_table(found.sessions),
    ]
    if found.series:
        parts.append("<h2>Measures</h2>")
    parts += [_measure(series) for series in found.series]
    parts.append("</body></html>")
    return "".join(parts) + "\n"


def _sessions_table(entries: tuple[SessionEntry, ...]) -> str:
    e = escape
    if not entries:
        return "<p>No sessions yet.</p>"
    rows = []
    for s in entries:
        findings = ", ".join(f"{f.title} ({f.level})" for f in s.findings)
        scores = ", ".join(
            f"{x.title} {'not scored' if x.value is None else number_text(x.value)}"
            for x in s.scores
        )
        rows.append(
            f"<tr><td class='when'>{e(moment(s.finished_at or s.started_at))}</td><td>{s.id}</td>"
            f"<td>{e(s.questionnaire)} {e(s.version)}</td>"
            f"<td>{e(s.status.replace('_', ' '))}</td><td>{e(s.referral or '')}</td>"
            f"<td>{e(findings)}</td><td>{e(scores)}</td><td>{e(s.clinician)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Date</th><th>Session</th><th>Questionnaire</th><th>Status</th>"
        "<th>Referral</th><th>Findings</th><th>Scores</th><th>Clinician</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _change_cell(change: Change | None) -> str:
    if change is None or change.difference is None:
        return ""
    return escape(f"{signed(change.difference)}: {verdict_words(change)}")


def _measure(series: Series) -> str:
    e = escape
    yardstick = yardstick_words(series)
    rows = "".join(
        f"<tr><td class='when'>{e(moment(p.at))}</td><td>{p.session_id}</td><td>{e(p.text)}</td>"
        f"<td>{_change_cell(p.from_previous)}</td><td>{_change_cell(p.from_first)}</td></tr>"
        for p in series.points
    )
    return (
        f"<section class='measure'><h3>{e(series.title)}</h3>"
        + (f"<p class='note'>{e(_note(series, yardstick))}</p>" if yardstick else "")
        + plot(series)
        + "<table><thead><tr><th>Date</th><th>Session</th><th>Value</th>"
        "<th>Since the previous</th><th>Since the first</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _note(series: Series, yardstick: str) -> str:
    """'Smallest real change 1.5; higher is better. Shaded: within ...' under the heading."""
    text = yardstick[0].upper() + yardstick[1:] + "."
    return f"{text} {BAND_NOTE}" if series.smallest_real_change is not None else text


def _x_positions(times: list[datetime]) -> list[float]:
    """Where each value goes across: by time, or evenly when all share one moment."""
    inner = WIDTH - LEFT - RIGHT
    if len(times) == 1:
        return [LEFT + inner / 2]
    start, span = times[0], (times[-1] - times[0]).total_seconds()
    if span <= 0:
        return [LEFT + inner * i / (len(times) - 1) for i in range(len(times))]
    return [LEFT + inner * (t - start).total_seconds() / span for t in times]


def plot(series: Series) -> str:
    """An SVG line plot of the series' values over time, with the band of no real change."""
    values = [float(p.value) for p in series.points]
    low, high = min(values), max(values)
    src = series.smallest_real_change
    if src is not None:  # the band around the first value is always in view
        low, high = min(low, values[0] - src), max(high, values[0] + src)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    inner_h = HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + inner_h * (high - v) / (high - low)

    xs = _x_positions([p.at for p in series.points])
    label = f"{series.title}: " + ", ".join(p.text for p in series.points)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' "
        f"width='{WIDTH}' height='{HEIGHT}' role='img' aria-label='{escape(label)}'>"
    ]
    if src is not None:
        top, bottom = y(values[0] + src), y(values[0] - src)
        parts.append(
            f"<rect x='{LEFT}' y='{top:.1f}' width='{WIDTH - LEFT - RIGHT}' "
            f"height='{bottom - top:.1f}' fill='#e8eef7'/>"
        )
    axis_y = HEIGHT - BOTTOM
    parts.append(f"<path d='M{LEFT} {TOP}V{axis_y}H{WIDTH - RIGHT}' fill='none' stroke='#888'/>")
    for v in sorted({min(values), max(values)}):
        parts.append(
            f"<text x='{LEFT - 6}' y='{y(v) + 4:.1f}' font-size='11' text-anchor='end'>"
            f"{escape(_short(v))}</text>"
        )
    dates = {0: series.points[0].at, len(xs) - 1: series.points[-1].at}
    for i, at in dates.items():
        anchor = "start" if i == 0 and len(xs) > 1 else "end" if i else "middle"
        parts.append(
            f"<text x='{xs[i]:.1f}' y='{HEIGHT - 8}' font-size='11' text-anchor='{anchor}'>"
            f"{escape(at.astimezone().strftime('%Y-%m-%d'))}</text>"
        )
    points = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, values, strict=True))
    if len(values) > 1:
        parts.append(f"<polyline points='{points}' fill='none' stroke='#1f5fa8' stroke-width='2'/>")
    for x, v, p in zip(xs, values, series.points, strict=True):
        parts.append(
            f"<circle cx='{x:.1f}' cy='{y(v):.1f}' r='3.5' fill='#1f5fa8'>"
            f"<title>{escape(moment(p.at))}: {escape(p.text)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    """A value label on the axis: at most two decimals."""
    return number_text(round(value, 2))

"""The handover report as one HTML page that prints cleanly on A4 and on Letter.

The report's sections are the report's own HTML renderer's (`kinecheck.render.html`); this
page puts the header, the clinician's part and the changes before them and its own style
around them. Printing: margins in millimetres that suit both paper sizes (the paper is the
printer's), 10.5 pt type, no row, item or box cut across pages, headings kept with what
follows, and nothing that needs a background colour to be understood (browsers leave
backgrounds out when printing): every level and verdict is written out in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from kinecheck.render.handover import (
    NO_CHANGE,
    NOTES_HEADING,
    OVERRIDES_HEADING,
    OVERRIDES_INTRO,
    RESCORED,
    change_values,
    change_what,
    changes_heading,
    comparison_problem,
    day,
    header_rows,
    level_text,
    moment,
    ordered,
)
from kinecheck.render.words import report_title

if TYPE_CHECKING:
    from kinecheck.clinic.handover import Handover

# Margin boxes (the foot of each printed page) inherit no font from the page: named again.
STYLE = """
:root{color:#111;background:#fff}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:48rem;
margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin:0 0 .75rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;table-layout:fixed}
th,td{box-sizing:border-box;border:1px solid #777;padding:.3rem .45rem;text-align:left;
vertical-align:top}
th{font-weight:600}
dl.header{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0 0 1rem}
dl.header dt{font-weight:600}
dl.header dd{margin:0}
.clinician{border:2px solid #333;border-radius:6px;padding:.25rem 1rem .75rem;margin:1rem 0}
.clinician h2{margin-top:.5rem}
.intro,.rescored{font-style:italic}
.when{white-space:nowrap}
.overrides th:nth-child(1){width:19%}
.overrides th:nth-child(2),.overrides th:nth-child(3){width:14%}
.overrides th:nth-child(4){width:33%}.overrides th:nth-child(5){width:20%}
.changes th:nth-child(1){width:34%}
.changes th:nth-child(2),.changes th:nth-child(3){width:14%}
.changes th:nth-child(4),.changes th:nth-child(5){width:19%}
.report{border-top:2px solid #333;margin-top:1.5rem;padding-top:.5rem}
.referral{border:3px solid #b00020;padding:.25rem 1rem;border-radius:6px}
.disclaimer{font-style:italic;border-top:1px solid #999;padding-top:1rem}
@page{margin:15mm 15mm 18mm;
@bottom-left{font:8pt system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222}
@bottom-right{font:8pt system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
content:"page " counter(page) " of " counter(pages)}}
@media print{
body{font-size:10.5pt;max-width:none;margin:0;padding:0;line-height:1.35}
h1{font-size:16pt}h2{font-size:13pt}h3{font-size:11pt}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
tr,li,p,dl,dt,dd,.referral,.clinician ul{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
.clinician{border-width:1.5pt}
.referral{border-width:2pt}
}
"""


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], bold: int | None = None) -> str:
    """An HTML table of cells already in HTML; column `bold` in bold."""
    th = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td><strong>{c}</strong></td>" if i == bold else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _by(clinician: str, at: str) -> str:
    """'maria, 2026-12-03 14:25': a line may break between date and time, never inside one."""
    when = " ".join(f"<span class='when'>{escape(part)}</span>" for part in at.split(" "))
    return f"{escape(clinician)}, {when}"


def css_string(text: str) -> str:
    """Text as a CSS string: quotes, backslashes, '<' and anything not plain ASCII escaped.

    '<' too, so that no name can close the <style> element it is written in.
    """
    escaped = "".join(c if " " <= c <= "~" and c not in '\\"<>' else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def _report_sections(h: Handover) -> str:
    """The report's own HTML, from after its title to before the end of its page."""
    from kinecheck.render.html import render

    page = render(h.report)
    _, _, after_title = page.partition("</h1>")  # every value in it is escaped: no "</h1>"
    sections, _, _ = after_title.rpartition("</body>")
    return sections


def _clinician(h: Handover) -> str:
    """The clinician's overrides (beside the computed level) and notes, in one framed part."""
    e = escape
    parts: list[str] = []
    if h.overrides:
        rows = [
            (
                e(o.title),
                e(level_text(o.computed)),
                e(level_text(o.level)),
                e(o.reason),
                _by(o.clinician, moment(o.at)),
            )
            for o in h.overrides
        ]
        head = ("Finding", "Computed by the rules", "Clinician's level", "Reason", "Set by")
        parts.append(
            f"<div class='overrides'><h2>{e(OVERRIDES_HEADING)}</h2>"
            f"<p class='intro'>{e(OVERRIDES_INTRO)}</p>{_table(head, rows, bold=2)}</div>"
        )
    if h.notes:
        items = "".join(f"<li>{e(n.text)} ({_by(n.clinician, moment(n.at))})</li>" for n in h.notes)
        parts.append(f"<h2>{e(NOTES_HEADING)}</h2><ul>{items}</ul>")
    return f"<section class='clinician'>{''.join(parts)}</section>" if parts else ""


def _changes(h: Handover) -> str:
    """The change since the previous session, each with its verdict in words."""
    if h.previous is None:
        return ""
    heading = f"<h2>{escape(changes_heading(h))}</h2>"
    if h.changes is None:
        return f"<section>{heading}<p>{escape(comparison_problem(h))}</p></section>"
    if not h.changes:
        return f"<section>{heading}<p>{escape(NO_CHANGE)}</p></section>"
    rows = [
        tuple(escape(x) for x in (change_what(c), *change_values(c))) for c in ordered(h.changes)
    ]
    head = ("What", "Before", "After", "Change", "Verdict")
    return f"<section class='changes'>{heading}{_table(head, rows, bold=4)}</section>"


def page_style(h: Handover) -> str:
    """The foot of each printed page: whose report it is (STYLE numbers the pages).

    Loose pages of two clients must never be mixed up, so each names the client, the
    session and its date.
    """
    foot = f"{h.client.name}, session {h.session.id}, {day(h.session.finished)}"
    return f"@page{{@bottom-left{{content:{css_string(foot)}}}}}"


def render_html(h: Handover) -> str:
    """The handover as one self-contained HTML page (every value escaped)."""
    e = escape
    title, page_title = report_title(h.report)
    header = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in header_rows(h))
    said = RESCORED.get(h.rescored)
    rescored = f"<p class='rescored'>{e(said)}</p>" if said else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{e(page_title)}: {e(h.client.name)}</title>"
        f"<style>{STYLE}{page_style(h)}</style></head>"
        f"<body><header><h1>{e(title)}</h1><dl class='header'>{header}</dl>{rescored}</header>"
        f"{_clinician(h)}{_changes(h)}"
        f"<section class='report'>{_report_sections(h)}</section></body></html>\n"
    )

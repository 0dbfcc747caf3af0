"""The handover report of a clinic session: text, Markdown and JSON (HTML: handover_html).

A handover is the stored report, rendered by the report's own renderers, with what the
clinic adds around it: a header (client, session, questionnaire, clinician), the clinician's
overrides and notes, and the change since the client's previous session. Overrides are
shown beside the level the rules computed, never instead of it, and everything the
clinician added is labelled as the clinician's. The wording here is neutral UI wording; the
clinical sentences all come from the report, that is from the definitions.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TextIO

from kinecheck.numbers import number_text
from kinecheck.render.layout import BOLD, HEADING, ITALIC, Layout
from kinecheck.render.words import report_title

if TYPE_CHECKING:
    from kinecheck.clinic.changes import Change
    from kinecheck.clinic.handover import Handover, OverrideShown

FORMAT_ID = "kinecheck.clinic.report/1"
"""The `format` of the handover's JSON document (a new shape gets a new number)."""

OVERRIDES_HEADING = "Clinician's overrides"
OVERRIDES_INTRO = (
    "The clinician's own judgement, kept beside the result the rules computed; both are shown."
)
NOTES_HEADING = "Clinician's notes"
NOT_FOUND = "not found"  # a finding the rules did not find (a clinician may still set it)
RESCORED = {  # what to say when scoring the session again did not give the stored report
    "differs": "Scored again today from the same stored definitions, this session gives a "
    "different result: the report below is the one stored when the session was completed.",
    "unavailable": "This kinecheck cannot score the session again from its stored "
    "definitions: the report below is the one stored when the session was completed.",
}
NO_COMPARISON = "The change since the previous session cannot be shown: {problem}."
NO_CHANGE = "Nothing differs from the previous session."


# -- words shared by every format ------------------------------------------------------------
def moment(at: datetime | None) -> str:
    """A moment in the local time zone, to the minute: '2026-12-03 14:25'."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else ""


def day(at: datetime | None) -> str:
    """The local date of a moment: '2026-12-03'."""
    return at.astimezone().strftime("%Y-%m-%d") if at else ""


def level_text(level: str | None) -> str:
    """A level as people read it ('not present' for not_present); None: 'not found'."""
    return NOT_FOUND if level is None else level.replace("_", " ")


def signed(value: float) -> str:
    """A difference with its sign, to at most two decimals: '+2', '-1.5'."""
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def header_rows(h: Handover) -> list[tuple[str, str]]:
    """The header as (label, value) pairs: who, which session, which questionnaire, by whom."""
    client = h.client.name + (f" (born {h.client.born.isoformat()})" if h.client.born else "")
    s = h.session
    questionnaire = f"{s.questionnaire} {s.questionnaire_version}"
    if s.questionnaire_title:
        questionnaire = f"{s.questionnaire_title} ({questionnaire})"
    return [
        ("Client", client),
        ("Session", f"{s.id}, completed {moment(s.finished)} (started {moment(s.started)})"),
        ("Questionnaire", questionnaire),
        ("Scored with rules", f"{s.rules} {s.rules_version}"),
        ("Clinician", s.clinician),
    ]


def override_words(o: OverrideShown) -> tuple[str, str, str]:
    """An override's computed level, the clinician's level, and who set it when."""
    return level_text(o.computed), level_text(o.level), f"{o.clinician}, {moment(o.at)}"


def changes_heading(h: Handover) -> str:
    """'Change since the previous session (2026-11-01)'."""
    when = day(h.previous.finished) if h.previous else ""
    return f"Change since the previous session ({when})"


KIND_ORDER = ("referral", "score", "finding", "answer")  # what matters most first
KIND_WORDS = {"score": "score", "finding": "finding", "answer": "answer"}  # the referral: its title


def ordered(changes: list[Change]) -> list[Change]:
    """The changes with the referral first, then scores, findings and answers (each in order)."""
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return sorted(changes, key=lambda c: rank.get(c.kind, len(rank)))


def change_what(c: Change) -> str:
    """What changed, and what kind of thing it is: 'LEFS (score)', 'Referral'."""
    kind = KIND_WORDS.get(c.kind)
    return f"{c.title} ({kind})" if kind else c.title


def comparison_problem(h: Handover) -> str:
    """Why the change since the previous session is not shown (the report still is)."""
    return NO_COMPARISON.format(problem=(h.changes_problem or "").rstrip("."))


def change_values(c: Change) -> tuple[str, str, str, str]:
    """Before, after, the difference (with the smallest real change) and the verdict."""
    difference = "" if c.difference is None else signed(c.difference)
    if c.smallest_real_change is not None:
        smallest = f"smallest real change {number_text(c.smallest_real_change)}"
        difference = f"{difference} ({smallest})" if difference else smallest
    verdict = c.verdict + (f", {c.direction}" if c.direction else "")
    return c.before or "-", c.after or "-", difference, verdict


def change_line(c: Change) -> str:
    """'LEFS (score): 40 -> 60, +20 (smallest real change 9): real change, better'."""
    before, after, difference, verdict = change_values(c)
    middle = f", {difference}" if difference else ""
    return f"{change_what(c)}: {before} -> {after}{middle}: {verdict}"


# -- JSON ------------------------------------------------------------------------------------
def as_json(h: Handover) -> dict[str, Any]:
    """The handover as one JSON document; `report` is the stored contract JSON, unchanged."""
    s = h.session
    born: date | None = h.client.born
    return {
        "format": FORMAT_ID,
        "client": {
            "id": h.client.id,
            "name": h.client.name,
            "born": born.isoformat() if born else None,
        },
        "session": {
            "id": s.id,
            "questionnaire": {
                "id": s.questionnaire,
                "version": s.questionnaire_version,
                "title": s.questionnaire_title,
            },
            "rules": {"id": s.rules, "version": s.rules_version},
            "started": s.started.isoformat(),
            "finished": s.finished.isoformat() if s.finished else None,
            "clinician": s.clinician,
            "status": s.status,
        },
        "report": h.report_json,
        "rescored": h.rescored,
        "notes": [
            {"text": n.text, "clinician": n.clinician, "at": n.at.isoformat()} for n in h.notes
        ],
        "overrides": [
            {
                "finding": o.finding,
                "title": o.title,
                "computed_level": o.computed,
                "level": o.level,
                "reason": o.reason,
                "clinician": o.clinician,
                "at": o.at.isoformat(),
            }
            for o in h.overrides
        ],
        "previous_session": (
            {"id": h.previous.id, "finished": h.previous.finished.isoformat()}
            if h.previous and h.previous.finished
            else None
        ),
        "changes_since_previous": (
            [asdict(c) for c in h.changes] if h.changes is not None else None
        ),
        "changes_problem": h.changes_problem,
    }


def render_json(h: Handover) -> str:
    """Indented JSON, UTF-8 as is."""
    import json

    return json.dumps(as_json(h), ensure_ascii=False, indent=2) + "\n"


# -- Markdown --------------------------------------------------------------------------------
def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipe ends it, no line break splits it."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def render_markdown(h: Handover) -> str:
    """The report's own Markdown under a header, with the clinician's part and the changes."""
    from kinecheck.render.markdown import render

    body = render(h.report)
    title_line, _, rest = body.partition("\n")  # the report's "# title" heads the handover
    out = [title_line, ""]
    out += [f"- **{label}:** {value}" for label, value in header_rows(h)] + [""]
    if h.rescored in RESCORED:
        out += [f"*{RESCORED[h.rescored]}*", ""]
    if h.overrides:
        out += [f"## {OVERRIDES_HEADING}", "", f"*{OVERRIDES_INTRO}*", ""]
        out += [
            "| Finding | Computed by the rules | Clinician's level | Reason | Set by |",
            "|---|---|---|---|---|",
        ]
        for o in h.overrides:
            computed, level, by = override_words(o)
            cells = (o.title, computed, f"**{level}**", o.reason, by)
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    if h.notes:
        out += [f"## {NOTES_HEADING}", ""]
        out += [f"- {_cell(n.text)} *({n.clinician}, {moment(n.at)})*" for n in h.notes] + [""]
    if h.previous is not None:
        out += [f"## {changes_heading(h)}", ""]
        if h.changes is None:
            out.append(_cell(comparison_problem(h)))
        elif h.changes:
            out += ["| What | Before | After | Change | Verdict |", "|---|---|---|---|---|"]
            for c in ordered(h.changes):
                before, after, difference, verdict = change_values(c)
                cells = (change_what(c), before, after, difference, verdict)
                out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        else:
            out.append(NO_CHANGE)
        out.append("")
    return "\n".join(out) + rest


# -- text ------------------------------------------------------------------------------------
def shown(text: str) -> str:
    """Typed text made safe for a terminal: control characters but line breaks become '?'.

    A name or a note pasted with an escape sequence must not drive the terminal it is shown on.
    """
    return "".join("?" if unicodedata.category(c) == "Cc" and c != "\n" else c for c in text)


def lay_out(h: Handover, out: Layout) -> Layout:
    """The handover laid out as text: header, clinician's part, changes, then the report."""
    from kinecheck.render.text import lay_out as lay_out_report

    out.para([(report_title(h.report)[0], HEADING)])
    out.blank()
    label_width = max(len(label) for label, _ in header_rows(h)) + 1
    out.items(
        ((f"{label}:".ljust(label_width), shown(value)) for label, value in header_rows(h)),
    )
    out.blank()
    if h.rescored in RESCORED:
        out.para([(RESCORED[h.rescored], ITALIC)])
        out.blank()
    if h.overrides:
        box = out.inner()
        box.para([(OVERRIDES_INTRO, ITALIC)])
        for o in h.overrides:
            computed, level, by = override_words(o)
            box.blank()
            box.para([(shown(o.title), BOLD)])
            box.para(f"Computed by the rules: {computed}", 2)
            box.para([("Clinician's level: ", None), (level, BOLD)], 2)
            box.para(f"Reason: {shown(o.reason)}", 2)
            box.para(f"Set by {shown(by)}", 2)
        out.framed(OVERRIDES_HEADING, BOLD, box)
        out.blank()
    if h.notes:
        box = out.inner()
        box.items((out.bullet, shown(f"{n.text} ({n.clinician}, {moment(n.at)})")) for n in h.notes)
        out.framed(NOTES_HEADING, BOLD, box)
        out.blank()
    if h.previous is not None:
        out.para([(changes_heading(h), HEADING)])
        out.blank()
        if h.changes is None:
            out.para(shown(comparison_problem(h)))
        elif h.changes:
            out.items((out.bullet, shown(change_line(c))) for c in ordered(h.changes))
        else:
            out.para(NO_CHANGE)
        out.blank()
    return lay_out_report(h.report, out)


def render_text(h: Handover, *, width: int = 80, ascii: bool = False) -> str:
    """The handover as text without colour, for files and pipes."""
    return lay_out(h, Layout(width, ascii=ascii)).text()


def show(h: Handover, stream: TextIO | None = None) -> None:
    """Print the handover on a terminal, as wide as it is, in colour where it shows colour."""
    import shutil

    from kinecheck.render import text

    stream = stream or sys.stdout
    width = max(shutil.get_terminal_size((80, 24)).columns, text.MIN_WIDTH)
    layout = Layout(
        min(width, text.MAX_FILE_WIDTH),
        colour=text.wants_colour(stream),
        ascii=not text.can_draw_frames(stream),
    )
    stream.write(lay_out(h, layout).text())
    stream.flush()


def renderer(fmt: str) -> Callable[[Handover], str]:
    """The function that renders a handover in a format (text, markdown, html, json)."""
    if fmt == "html":
        from kinecheck.render.handover_html import render_html

        return render_html
    plain: dict[str, Callable[[Handover], str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "json": render_json,
    }
    return plain[fmt]

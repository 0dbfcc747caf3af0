"""A self-contained HTML report (every value escaped) to print or send."""

from __future__ import annotations

from html import escape

from kinecheck.render.words import (
    LEVEL_WORDS,
    answer_text,
    dose_text,
    equipment_line,
    points,
    report_title,
    score_line,
    shows_findings,
    shows_referral,
)
from kinecheck.scoring.report import Report

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}.referral{border:3px solid #b00020;padding:1rem;border-radius:6px}"
    ".disclaimer{font-style:italic;border-top:1px solid #999;padding-top:1rem}"
)


def render(report: Report) -> str:
    """The report as one HTML page: referral first, then scores, findings, plan, disclaimer.

    Each part only when the rules have it; every heading and sentence of the content comes
    from the definitions.
    """
    e = escape
    title, page_title = report_title(report)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(page_title)}</title><style>{_STYLE}</style>"
        f"</head><body><h1>{e(title)}</h1>"
    ]
    ref = report.referral
    if shows_referral(report) and ref.title is not None:
        heading = (
            f"<h2>{e(LEVEL_WORDS[ref.level])}: {e(ref.title)}</h2><p>{e(ref.message or '')}</p>"
        )
        if ref.level == "none":  # cleared: not in the warning frame
            parts.append(f"<section>{heading}</section>")
        else:
            items = "".join(
                f"<li><strong>{e(r.level)}</strong>: {e(r.message)}</li>" for r in ref.reasons
            )
            parts.append(f"<section class='referral'>{heading}<ul>{items}</ul></section>")
    if report.scores:
        rows = "".join(f"<li>{e(score_line(s))}</li>" for s in report.scores)
        parts.append(f"<h2>Scores</h2><ul>{rows}</ul>")
    if shows_findings(report):
        parts.append("<h2>What your answers suggest</h2>")
        if not report.findings and report.wording and report.wording.no_findings:
            parts.append(f"<p>{e(report.wording.no_findings)}</p>")
    for f in report.findings:
        rows = "".join(
            f"<li>{e(ev.because)} (answer: {e(answer_text(ev.answer))}, {points(ev.points)})</li>"
            for ev in f.evidence
        )
        capped = f"<li>Level limited: {e(f.capped)}</li>" if f.capped else ""
        notes = "".join(f"<li>Note: {e(n)}</li>" for n in f.notes)
        parts.append(
            f"<h3>{e(f.title)} ({e(f.level)}, {points(f.score)})</h3><p>{e(f.statement)}</p>"
            f"<ul>{rows}{capped}{notes}</ul>"
        )
    if report.plan_status_message is not None:
        parts.append(f"<h2>Your exercise plan</h2><p>{e(report.plan_status_message)}</p>")
    for i, item in enumerate(report.plan, 1):
        steps = "".join(f"<li>{e(s)}</li>" for s in item.steps)
        extra = "".join(f"<li>{e(c)}</li>" for c in [*item.cautions, *item.notes])
        eq = equipment_line(item)
        parts.append(
            f"<h3>{i}. {e(item.name)} ({e(item.kind)}, {e(item.variant_name)})</h3>"
            f"<p>{e(item.purpose)}</p>"
            f"<p><strong>Dose:</strong> {e(dose_text(item.dose, item.sides))}</p>"
            + (f"<p>{e(eq)}</p>" if eq else "")
            + f"<p><strong>Set-up:</strong> {e(item.setup)}</p><ol>{steps}</ol>"
            f"<p><strong>Gone too far:</strong> {e(item.too_far)}</p>"
            f"<p><strong>Too hard?</strong> {e(item.easier)}</p><ul>{extra}</ul>"
        )
    if report.plan and report.stop_rule:  # a stop rule only where there are exercises
        parts.append(f"<h2>Stop rule</h2><p>{e(report.stop_rule)}</p>")
    parts.append(f"<p class='disclaimer'>{e(report.disclaimer)}</p></body></html>\n")
    return "".join(parts)

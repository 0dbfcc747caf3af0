"""A self-contained HTML report (every value escaped) to print or send."""

from __future__ import annotations

from html import escape

from kinecheck.render.words import LEVEL_WORDS, answer_text, dose_text, equipment_line, points
from kinecheck.scoring.report import Report

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}.referral{border:3px solid #b00020;padding:1rem;border-radius:6px}"
    ".disclaimer{font-style:italic;border-top:1px solid #999;padding-top:1rem}"
)


def render(report: Report) -> str:
    """The report as one HTML page: referral first, then findings, plan, disclaimer."""
    e = escape
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(report.questionnaire.id)} self-check</title><style>{_STYLE}</style>"
        f"</head><body><h1>Your {e(report.questionnaire.id)} self-check</h1>"
    ]
    ref = report.referral
    if ref.level != "none":
        items = "".join(
            f"<li><strong>{e(r.level)}</strong>: {e(r.message)}</li>" for r in ref.reasons
        )
        parts.append(
            f"<section class='referral'><h2>{e(LEVEL_WORDS[ref.level])}: {e(ref.title)}</h2>"
            f"<p>{e(ref.message)}</p><ul>{items}</ul></section>"
        )
    parts.append("<h2>What your answers suggest</h2>")
    if not report.findings:
        parts.append("<p>No hip or ankle pattern stood out in your answers.</p>")
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
    if report.plan:  # a stop rule for exercises only where there are exercises
        parts.append(f"<h2>Stop rule</h2><p>{e(report.stop_rule)}</p>")
    parts.append(f"<p class='disclaimer'>{e(report.disclaimer)}</p></body></html>\n")
    return "".join(parts)

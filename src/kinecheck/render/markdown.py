"""A Markdown report to hand over or keep."""

from __future__ import annotations

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


def render(report: Report) -> str:
    """The report as Markdown: referral first, then scores, findings, plan, disclaimer.

    Each part only when the rules have it; every heading and sentence of the content comes
    from the definitions.
    """
    out: list[str] = [f"# {report_title(report)[0]}", ""]
    ref = report.referral
    if shows_referral(report) and ref.title is not None:
        out += [f"## {LEVEL_WORDS[ref.level]}: {ref.title}", "", ref.message or "", ""]
        if ref.reasons:
            out += [f"- **{r.level}**: {r.message}" for r in ref.reasons] + [""]
    if report.scores:
        out += ["## Scores", ""]
        out += [f"- {score_line(s)}" for s in report.scores] + [""]
    if shows_findings(report):
        out += ["## What your answers suggest", ""]
        if not report.findings and report.wording and report.wording.no_findings:
            out += [report.wording.no_findings, ""]
    for f in report.findings:
        out += [f"### {f.title} ({f.level}, {points(f.score)})", "", f.statement, ""]
        out += [
            f"- {e.because} (answer: {answer_text(e.answer)}, {points(e.points)})"
            for e in f.evidence
        ]
        if f.capped:
            out.append(f"- Level limited: {f.capped}")
        out += [f"- Note: {n}" for n in f.notes] + [""]
    if report.plan_status_message is not None:
        out += ["## Your exercise plan", "", report.plan_status_message, ""]
    for i, item in enumerate(report.plan, 1):
        out += [
            f"### {i}. {item.name} ({item.kind}, {item.variant_name})",
            "",
            item.purpose,
            "",
            f"**Dose:** {dose_text(item.dose, item.sides)}",
            "",
        ]
        eq = equipment_line(item)
        if eq:
            out += [eq, ""]
        out += [f"**Set-up:** {item.setup}", ""]
        out += [f"{n}. {step}" for n, step in enumerate(item.steps, 1)] + [""]
        out += [f"- **Gone too far:** {item.too_far}", f"- **Too hard?** {item.easier}"]
        out += [f"- **Caution:** {c}" for c in item.cautions]
        out += [f"- {n}" for n in item.notes] + [""]
    if report.plan and report.stop_rule:  # a stop rule only where there are exercises
        out += ["## Stop rule", "", report.stop_rule, ""]
    out += ["---", "", f"*{report.disclaimer}*", ""]
    return "\n".join(out)

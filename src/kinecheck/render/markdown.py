"""A Markdown report to hand over or keep."""

from __future__ import annotations

from kinecheck.render.words import LEVEL_WORDS, answer_text, dose_text, equipment_line, points
from kinecheck.scoring.report import Report


def render(report: Report) -> str:
    """The report as Markdown: referral first, then findings, plan, disclaimer."""
    out: list[str] = [f"# Your {report.questionnaire.id} self-check", ""]
    ref = report.referral
    if ref.level != "none":
        out += [f"## {LEVEL_WORDS[ref.level]}: {ref.title}", "", ref.message, ""]
        out += [f"- **{r.level}**: {r.message}" for r in ref.reasons] + [""]
    out += ["## What your answers suggest", ""]
    if not report.findings:
        out += ["No hip or ankle pattern stood out in your answers.", ""]
    for f in report.findings:
        out += [f"### {f.title} ({f.level}, {points(f.score)})", "", f.statement, ""]
        out += [
            f"- {e.because} (answer: {answer_text(e.answer)}, {points(e.points)})"
            for e in f.evidence
        ]
        if f.capped:
            out.append(f"- Level limited: {f.capped}")
        out += [f"- Note: {n}" for n in f.notes] + [""]
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
    if report.plan:  # a stop rule for exercises only where there are exercises
        out += ["## Stop rule", "", report.stop_rule, ""]
    out += ["---", "", f"*{report.disclaimer}*", ""]
    return "\n".join(out)

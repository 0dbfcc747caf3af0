"""Shared wording for the human-readable renderers, so every format says the same thing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kinecheck.numbers import number_text

if TYPE_CHECKING:  # annotations only: the quiz's wrapping imports this module early
    from kinecheck.definitions.exercises import Dose
    from kinecheck.scoring.report import DoseOut, PlanItem, Report, ScoreResult

LEVEL_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "routine": "When you can",
    "none": "No referral needed now",
}
SIDES_WORDS = {
    "both": "each side",
    "left": "left side",
    "right": "right side",
    "affected": "the painful side",
}


def answer_text(value: Any) -> str:
    """An answer as people read it: lists joined, ids with spaces."""
    if isinstance(value, list):
        return ", ".join(answer_text(v) for v in value)
    if isinstance(value, str):
        return value.replace("_", " ")
    return number_text(value)


def dose_text(dose: DoseOut | Dose, sides: str) -> str:
    """'30-45 s, 1-2 rounds, each side' and the like."""
    parts = []
    if dose.seconds_min and dose.seconds_max:
        parts.append(f"{dose.seconds_min}-{dose.seconds_max} s")
    elif dose.seconds_min:
        parts.append(f"at least {dose.seconds_min} s")
    if dose.min_total_seconds_per_side:
        parts.append(f"at least {dose.min_total_seconds_per_side} s in total per side")
    rounds = (
        f"{dose.rounds_min}"
        if dose.rounds_min == dose.rounds_max
        else f"{dose.rounds_min}-{dose.rounds_max}"
    )
    parts.append(f"{rounds} round{'s' if dose.rounds_max > 1 else ''}")
    parts.append(SIDES_WORDS.get(sides, sides))
    return ", ".join(parts)


def equipment_line(item: PlanItem) -> str | None:
    """What the exercise needs, and what to use instead of what is missing."""
    if not item.equipment:
        return None
    text = "You need: " + ", ".join(e.replace("_", " ") for e in item.equipment) + "."
    for missing in item.missing_equipment:
        sub = item.substitutes.get(missing)
        text += f" You said you have no {missing.replace('_', ' ')}" + (f": {sub}" if sub else ".")
    return text


def points(n: int) -> str:
    """'1 point', '3 points'."""
    return f"{n} point{'' if n == 1 else 's'}"


def score_line(score: ScoreResult) -> str:
    """'LEFS 57 / 80 (moderate difficulty)', or 'LEFS: not scored (why)'.

    The band is left out when the rules declare none; the value keeps its declared decimals.
    """
    if score.value is None:
        return f"{score.title}: not scored ({score.why_not_scored})"
    line = f"{score.title} {number_text(score.value)} / {number_text(score.max)}"
    return f"{line} ({score.band})" if score.band else line


def shows_referral(report: Report) -> bool:
    """True when the referral advice heads the report.

    Any level above `none` always does (warning signs come first); `none` does when the rules
    give advice for it and do not keep it to the summary (`referral.show_none: false`).
    """
    ref = report.referral
    if ref.level != "none":
        return True
    wording = report.wording
    return ref.title is not None and (wording is None or wording.show_none)


def shows_findings(report: Report) -> bool:
    """True when the report has findings to show, or a sentence for having none."""
    return bool(report.findings) or bool(report.wording and report.wording.no_findings)


def report_title(report: Report) -> tuple[str, str]:
    """The heading of a Markdown or HTML report, and the HTML page's title."""
    if report.wording is not None:
        return report.wording.title, report.wording.page_title
    return report.questionnaire.id, report.questionnaire.id  # a report read back from JSON

"""What the rules decide, without the report: scores, finding levels, referral, plan status.

`assess` turns these decisions into a Report. The quiz and answer validation need only the
decisions, to know early when the plan will be withheld (`plan_withheld`), so this module
stays free of the report model and of anything a screen needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kinecheck.definitions.compiled import (
    CompiledCap,
    CompiledFinding,
    CompiledRow,
    Definitions,
)
from kinecheck.definitions.rules import (
    REFERRAL_ORDER,
    FindingLevel,
    PlanStatus,
    Reason,
    ReferralLevel,
)

if TYPE_CHECKING:
    from kinecheck.scoring.scores import ScoreValue

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Scored:
    """A finding's points for some answers: the rows that held, the total and the level."""

    hits: list[CompiledRow]
    score: int
    level: FindingLevel | None  # None: below 'possible', the finding did not fire
    cap: CompiledCap | None  # the cap that lowered 'likely' to 'possible', if one did


@dataclass(frozen=True)
class Decisions:
    """Everything the rules decide for one answer set, in the order they are decided."""

    scores: tuple[ScoreValue, ...]
    values: Answers  # the answers and the scores' values: what the findings were decided on
    scored: list[tuple[CompiledFinding, Scored]]
    reasons: list[Reason]  # highest level first, file order within a level
    level: ReferralLevel
    status: PlanStatus | None  # None: the rules have no plan
    # what the referral and status rules were decided on: `values`, each finding's level (or
    # 'none') and `referral_level`; kept so `kinecheck why` shows the values they compared
    context: Answers


def decide(defs: Definitions, answers: Answers) -> Decisions:
    """Decide scores, findings, then referral, then the plan status, each seeing the ones before.

    Every condition may name the scores (a score not scored has no value); referral
    conditions may name the findings' levels; status rules may also name the referral level.
    """
    scores: tuple[ScoreValue, ...] = ()
    values: Answers = answers
    if defs.scores:  # only then: the exact arithmetic imports fractions and decimal
        from kinecheck.scoring.scores import compute_all

        scores = compute_all(defs.scores, answers)
        values = {**answers, **{s.id: s.value for s in scores}}
    context = dict(values)
    scored = []
    for compiled in defs.findings:
        result = score(compiled, values)
        context[compiled.finding.id] = result.level or "none"
        scored.append((compiled, result))
    fired = [r.reason for r in defs.reasons if r.condition(context)]
    fired.sort(key=lambda reason: -REFERRAL_ORDER.index(reason.level))  # stable: file order kept
    level: ReferralLevel = fired[0].level if fired else "none"
    context["referral_level"] = level
    status: PlanStatus | None = None
    if defs.rules.plan is not None:
        status = next((s.rule.status for s in defs.status if s.condition(context)), "ready")
    return Decisions(scores, values, scored, fired, level, status, context)


def score(compiled: CompiledFinding, answers: Answers) -> Scored:
    """Points from every row that holds; 'likely' may be capped to 'possible'."""
    finding = compiled.finding
    hits = [row for row in compiled.rows if row.condition(answers)]
    total = sum(row.points for row in hits)
    if total < finding.thresholds.possible:
        return Scored(hits, total, None, None)
    if total < finding.thresholds.likely:
        return Scored(hits, total, "possible", None)
    caps = (c for c in compiled.caps if c.lowers_to_possible and c.condition(answers))
    cap = next(caps, None)
    return Scored(hits, total, "likely" if cap is None else "possible", cap)


def plan_withheld(defs: Definitions, answers: Answers) -> bool:
    """True when these answers already mean no exercise plan will be given.

    Answers to questions that only serve the plan (`only_for_plan`) are left out, so that
    whether such a question is asked never depends on its own answer, or another's like it.
    """
    questions = defs.questions
    relevant = {
        k: v for k, v in answers.items() if k in questions and not questions[k].only_for_plan
    }
    return decide(defs, relevant).status == "withheld"

"""Answers -> Report: findings with their evidence, referral, plan status and the exercise plan.

`assess` is a pure function of the loaded definitions and checked answers, and the only place
where anything is decided: the quiz, `assess`, batches and the renderers all go through it.
It reads top-down in the order the report is written: findings, then referral (whose
conditions may name the findings' levels), then the plan status (which may name the referral
level), then the exercises the findings asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kinecheck.definitions.rules import REFERRAL_ORDER
from kinecheck.scoring.report import (
    SCHEMA_VERSION,
    DoseOut,
    Evidence,
    FindingResult,
    PlanItem,
    ReasonResult,
    ReferralResult,
    Report,
)

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import CompiledFinding, Definitions
    from kinecheck.definitions.rules import FindingLevel, PlanStatus

Answers = Mapping[str, Any]
KIND_ORDER = ("mobility", "stability")  # every mobility exercise comes before any stability one


def assess(defs: Definitions, answers: Answers) -> Report:
    """Turn checked answers (`kinecheck.scoring.answers`) into a report; pure and deterministic."""
    context = dict(answers)  # what later conditions see: answers, then findings and level
    findings = []
    for compiled in defs.findings:
        finding = _finding(compiled, answers)
        context[compiled.finding.id] = finding.level if finding else "none"
        if finding:
            findings.append(finding)

    referral = _referral(defs, context)
    context["referral_level"] = referral.level
    status = _plan_status(defs, context)
    plan = [] if status == "withheld" else _plan(defs, findings, answers)
    return Report(
        schema_version=SCHEMA_VERSION,
        questionnaire=defs.questionnaire_ref,
        rules=defs.rules_ref,
        exercises=defs.library_ref,
        answers={k: _copy(v) for k, v in answers.items() if v is not None},
        findings=findings,
        referral=referral,
        plan_status=status,
        plan_status_message=_status_message(defs, status, has_exercises=bool(plan)),
        plan=plan,
        disclaimer=defs.rules.disclaimer,
        stop_rule=defs.rules.stop_rule,
    )


def _finding(compiled: CompiledFinding, answers: Answers) -> FindingResult | None:
    """The finding with its points and evidence, or None when it scored below 'possible'."""
    finding = compiled.finding
    hits = [row for row in compiled.rows if row.condition(answers)]
    score = sum(row.points for row in hits)
    if score < finding.thresholds.possible:
        return None
    level: FindingLevel = "likely" if score >= finding.thresholds.likely else "possible"
    capped = None
    if level == "likely":
        cap = next(
            (c for c in compiled.caps if c.lowers_to_possible and c.condition(answers)), None
        )
        if cap is not None:
            level, capped = "possible", cap.because
    evidence = [
        Evidence(
            question=row.question,
            answer=_copy(answers.get(row.question)),
            points=row.points,
            because=row.because,
            # a row that reads several answers shows the others too (e.g. both test sides)
            answers={n: _copy(answers.get(n)) for n in row.condition.names if n != row.question}
            if len(row.condition.names) > 1
            else {},
        )
        for row in hits
    ]
    return FindingResult(
        id=finding.id,
        title=finding.title,
        level=level,
        score=score,
        statement=finding.statement[level],
        evidence=evidence,
        capped=capped,
        notes=list(finding.notes),
    )


def _referral(defs: Definitions, context: Answers) -> ReferralResult:
    """Every reason that holds, highest level first (file order within a level)."""
    fired = [r.reason for r in defs.reasons if r.condition(context)]
    fired.sort(key=lambda reason: -REFERRAL_ORDER.index(reason.level))  # stable: file order kept
    level = fired[0].level if fired else "none"
    advice = defs.rules.referral.levels[level]
    return ReferralResult(
        level=level,
        title=advice.title,
        message=advice.message,
        reasons=[ReasonResult(id=r.id, level=r.level, message=r.message) for r in fired],
    )


def _plan_status(defs: Definitions, context: Answers) -> PlanStatus:
    """The first status rule that holds, else ready."""
    return next((s.rule.status for s in defs.status if s.condition(context)), "ready")


def _status_message(defs: Definitions, status: PlanStatus, *, has_exercises: bool) -> str:
    """The status's own message, or the empty-plan one when no exercise was chosen."""
    plan = defs.rules.plan
    if not has_exercises and status != "withheld" and plan.empty_message:
        return plan.empty_message
    return plan.status_messages[status]


def _plan(defs: Definitions, findings: list[FindingResult], answers: Answers) -> list[PlanItem]:
    """The exercises the findings asked for: likely findings' first, mobility before stability."""
    asked_by: dict[str, list[str]] = {}
    for wanted in ("likely", "possible"):
        for result in findings:
            if result.level == wanted:
                for exercise_id in defs.exercises_of[result.id]:
                    asked_by.setdefault(exercise_id, []).append(result.id)
    ordered = sorted(asked_by, key=lambda ex_id: KIND_ORDER.index(defs.exercises[ex_id].kind))
    return [_plan_item(defs, ex_id, asked_by[ex_id], answers) for ex_id in ordered]


def _plan_item(
    defs: Definitions, exercise_id: str, because: list[str], answers: Answers
) -> PlanItem:
    """One exercise in the variant that fits the answers, with the equipment it lacks."""
    exercise = defs.exercises[exercise_id]
    variant_id = next(
        (
            choice.variant
            for choice in defs.variants.get(exercise_id, ())
            if choice.condition is None or choice.condition(answers)
        ),
        exercise.variants[0].id,
    )
    variant = exercise.variant(variant_id)
    eq = defs.rules.plan.equipment_question
    have = (answers.get(eq) or ()) if eq else ()
    missing = [e for e in variant.equipment if e in defs.equipment_choices and e not in have]
    substitutes = defs.library.substitutes
    dose = exercise.dose
    return PlanItem(
        exercise=exercise.id,
        name=exercise.name,
        target=exercise.target,
        kind=exercise.kind,
        variant=variant.id,
        variant_name=variant.name,
        sides=exercise.sides,
        equipment=list(variant.equipment),
        missing_equipment=missing,
        substitutes={e: substitutes[e] for e in missing if e in substitutes},
        dose=DoseOut(
            seconds_min=dose.seconds_min,
            seconds_max=dose.seconds_max,
            rounds_min=dose.rounds_min,
            rounds_max=dose.rounds_max,
            min_total_seconds_per_side=dose.min_total_seconds_per_side,
        ),
        purpose=exercise.purpose,
        setup=variant.setup,
        steps=list(variant.steps),
        too_far=exercise.too_far,
        easier=exercise.easier,
        cautions=list(exercise.cautions),
        notes=list(exercise.notes),
        because=because,
    )


def _copy(value: Any) -> Any:
    """A report owns its lists: changing the answers afterwards never changes a report."""
    return list(value) if isinstance(value, list) else value

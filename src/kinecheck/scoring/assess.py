"""Answers -> Report: scores, findings with their evidence, referral, plan status and plan.

`assess` is a pure function of the loaded definitions and checked answers, and the only place
where anything is decided: the quiz, `assess`, batches and the renderers all go through it.
The decisions themselves (finding levels, referral reasons, plan status) are made in
`kinecheck.scoring.decisions`; this module writes them up as a report with its evidence and
the exercises the findings asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kinecheck.scoring.decisions import Scored, decide
from kinecheck.scoring.report import (
    SCHEMA_VERSION,
    DoseOut,
    Evidence,
    FindingResult,
    PlanItem,
    ReasonResult,
    ReferralResult,
    Report,
    ScoreResult,
    Wording,
)

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import CompiledFinding, Definitions
    from kinecheck.definitions.rules import PlanStatus
    from kinecheck.scoring.scores import ScoreValue

Answers = Mapping[str, Any]
KIND_ORDER = ("mobility", "stability")  # every mobility exercise comes before any stability one


def assess(defs: Definitions, answers: Answers) -> Report:
    """Turn checked answers (`kinecheck.scoring.answers`) into a report; pure and deterministic."""
    decided = decide(defs, answers)
    findings = [
        _finding(compiled, result, decided.values)
        for compiled, result in decided.scored
        if result.level is not None
    ]
    rules = defs.rules
    advice = rules.referral.levels[decided.level] if rules.referral else None
    referral = ReferralResult(
        level=decided.level,
        title=advice.title if advice else None,
        message=advice.message if advice else None,
        reasons=[ReasonResult(id=r.id, level=r.level, message=r.message) for r in decided.reasons],
    )
    status = decided.status
    plan = [] if status in ("withheld", None) else _plan(defs, findings, answers)
    return Report(
        schema_version=SCHEMA_VERSION,
        questionnaire=defs.questionnaire_ref,
        rules=defs.rules_ref,
        exercises=defs.library_ref,
        answers={k: _copy(v) for k, v in answers.items() if v is not None},
        scores=[_score(defs, s) for s in decided.scores] if defs.scores else None,
        findings=findings,
        referral=referral,
        plan_status=status,
        plan_status_message=_status_message(defs, status, has_exercises=bool(plan)),
        plan=plan,
        disclaimer=rules.disclaimer,
        stop_rule=rules.stop_rule,
        wording=_wording(defs),
    )


def _wording(defs: Definitions) -> Wording:
    """Titles and sentences for people, every one from the definitions."""
    rules = defs.rules
    title = rules.report_title or defs.questionnaire.title
    return Wording(
        title=title,
        page_title=rules.page_title or title,
        no_findings=rules.no_findings_message if rules.findings else None,
        show_none=rules.referral.show_none if rules.referral else False,
    )


def _score(defs: Definitions, value: ScoreValue) -> ScoreResult:
    """A score as the report gives it, with its title and declared range."""
    score = next(c.score for c in defs.scores if c.score.id == value.id)
    return ScoreResult(
        id=value.id,
        title=score.title,
        value=value.value,
        min=_plain(score.range.min),
        max=_plain(score.range.max),
        band=value.band,
        answered=value.answered,
        missing=value.missing,
        scored=value.scored,
        why_not_scored=value.why_not_scored,
    )


def _plain(x: float) -> int | float:
    """80.0 as 80: the range as the rules file wrote it."""
    return int(x) if float(x).is_integer() else x


def _finding(compiled: CompiledFinding, result: Scored, answers: Answers) -> FindingResult:
    """A finding that fired, with the answers (and scores) behind its points as evidence."""
    finding = compiled.finding
    assert result.level is not None
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
        for row in result.hits
    ]
    return FindingResult(
        id=finding.id,
        title=finding.title,
        level=result.level,
        score=result.score,
        statement=finding.statement[result.level],
        evidence=evidence,
        capped=result.cap.because if result.cap else None,
        notes=[n.text for n in compiled.notes if n.condition is None or n.condition(answers)],
    )


def _status_message(
    defs: Definitions, status: PlanStatus | None, *, has_exercises: bool
) -> str | None:
    """The status's own message, or the empty-plan one when no exercise was chosen."""
    plan = defs.rules.plan
    if plan is None or status is None:
        return None
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
    eq = defs.rules.plan.equipment_question if defs.rules.plan else None
    have = (answers.get(eq) or ()) if eq else ()
    missing = [e for e in variant.equipment if e in defs.equipment_choices and e not in have]
    substitutes = defs.library.substitutes if defs.library else {}
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

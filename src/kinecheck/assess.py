"""Answers -> Report: findings with their evidence, referral, plan status and the exercise plan.

`assess` is a pure function of the definitions and checked answers. The parts of a report that
depend only on the definitions (reason texts, exercise blocks) are prepared once per definitions.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from kinecheck.loading import CompiledFinding, Definitions
from kinecheck.models.exercises import Exercise
from kinecheck.models.questionnaire import choice_ids
from kinecheck.models.report import (
    DoseOut,
    Evidence,
    FindingResult,
    PlanItem,
    ReasonResult,
    ReferralResult,
    Report,
)
from kinecheck.models.rules import REFERRAL_ORDER, FindingLevel, PlanStatus, ReferralLevel

_RANK = {level: i for i, level in enumerate(REFERRAL_ORDER)}
_KIND_ORDER = {"mobility": 0, "stability": 1}


class Assessor:
    """Scores answer sets for one set of definitions; build once, call many times."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        rules = defs.rules
        self.reason_results = {
            r.id: ReasonResult.model_construct(id=r.id, level=r.level, message=r.message)
            for r, _ in defs.reasons
        }
        self.exercises = defs.library.by_id()
        eq = rules.plan.equipment_question
        self.equipment_question = eq
        self.countable_equipment = frozenset(choice_ids(defs.questions[eq])) if eq else frozenset()
        self._plan_items: dict[tuple[Any, ...], PlanItem] = {}

    # -- findings ------------------------------------------------------------------------------
    def _finding(self, cf: CompiledFinding, answers: Mapping[str, Any]) -> FindingResult | None:
        evidence = []
        score = 0
        for row in cf.rows:
            if row.condition(answers):
                score += row.points
                names = row.condition.names
                extra = (
                    {n: answers.get(n) for n in names if n != row.question}
                    if len(names) > 1
                    else {}
                )
                evidence.append(
                    Evidence.model_construct(
                        question=row.question,
                        answer=answers.get(row.question),
                        points=row.points,
                        because=row.because,
                        answers=extra,
                    )
                )
        thresholds = cf.finding.thresholds
        if score < thresholds.possible:
            return None
        level: FindingLevel = "likely" if score >= thresholds.likely else "possible"
        capped = None
        for cap, condition in cf.caps:
            if level == "likely" and cap.max_level == "possible" and condition(answers):
                level, capped = "possible", cap.because
        finding = cf.finding
        return FindingResult.model_construct(
            id=finding.id,
            title=finding.title,
            level=level,
            score=score,
            statement=finding.statement[level],
            evidence=evidence,
            capped=capped,
            notes=finding.notes,
        )

    # -- referral ------------------------------------------------------------------------------
    def _referral(self, context: Mapping[str, Any]) -> ReferralResult:
        reasons = [self.reason_results[r.id] for r, cond in self.defs.reasons if cond(context)]
        level: ReferralLevel = "none"
        for reason in reasons:
            if _RANK[reason.level] > _RANK[level]:
                level = reason.level
        reasons.sort(key=lambda r: -_RANK[r.level])
        advice = self.defs.rules.referral.levels[level]
        return ReferralResult.model_construct(
            level=level, title=advice.title, message=advice.message, reasons=reasons
        )

    def _plan_status(self, context: Mapping[str, Any]) -> PlanStatus:
        for rule, cond in self.defs.status:
            if cond(context):
                return rule.status
        return "ready"

    # -- plan ----------------------------------------------------------------------------------
    def _variant(self, exercise: Exercise, answers: Mapping[str, Any]) -> str:
        for variant_id, cond in self.defs.variants.get(exercise.id, ()):
            if cond is None or cond(answers):
                return variant_id
        return exercise.variants[0].id

    def _plan(self, findings: list[FindingResult], answers: Mapping[str, Any]) -> list[PlanItem]:
        chosen: dict[str, list[str]] = {}
        ordered = sorted(findings, key=lambda f: f.level != "likely")
        by_id = {cf.finding.id: cf.finding for cf in self.defs.findings}
        for f in ordered:
            for ex_id in by_id[f.id].exercises:
                chosen.setdefault(ex_id, []).append(f.id)
        have = answers.get(self.equipment_question) or () if self.equipment_question else ()
        items = []
        for ex_id, because in chosen.items():
            exercise = self.exercises[ex_id]
            variant = self._variant(exercise, answers)
            needed = exercise.variant(variant).equipment
            missing = tuple(e for e in needed if e in self.countable_equipment and e not in have)
            items.append(self._plan_item(exercise, variant, missing, tuple(because)))
        items.sort(key=lambda item: _KIND_ORDER[item.kind])
        return items

    def _plan_item(
        self,
        exercise: Exercise,
        variant_id: str,
        missing: tuple[str, ...],
        because: tuple[str, ...],
    ) -> PlanItem:
        key = (exercise.id, variant_id, missing, because)
        item = self._plan_items.get(key)
        if item is None:
            variant = exercise.variant(variant_id)
            subs = self.defs.library.substitutes
            item = PlanItem(
                exercise=exercise.id,
                name=exercise.name,
                target=exercise.target,
                kind=exercise.kind,
                variant=variant.id,
                variant_name=variant.name,
                sides=exercise.sides,
                equipment=list(variant.equipment),
                missing_equipment=list(missing),
                substitutes={e: subs[e] for e in missing if e in subs},
                dose=DoseOut(**exercise.dose.model_dump()),
                purpose=exercise.purpose,
                setup=variant.setup,
                steps=list(variant.steps),
                too_far=exercise.too_far,
                easier=exercise.easier,
                cautions=list(exercise.cautions),
                notes=list(exercise.notes),
                because=list(because),
            )
            self._plan_items[key] = item
        return item

    # -- whole report --------------------------------------------------------------------------
    def __call__(self, answers: Mapping[str, Any]) -> Report:
        """Assess checked answers (see `kinecheck.answers`) into a report."""
        findings = [f for cf in self.defs.findings if (f := self._finding(cf, answers)) is not None]
        context = dict(answers)
        fired = {f.id: f.level for f in findings}
        for cf in self.defs.findings:
            context[cf.finding.id] = fired.get(cf.finding.id, "none")
        referral = self._referral(context)
        context["referral_level"] = referral.level
        status = self._plan_status(context)
        plan = [] if status == "withheld" else self._plan(findings, answers)
        rules = self.defs.rules
        return Report.model_construct(
            schema_version=1,
            questionnaire=self.defs.questionnaire_ref,
            rules=self.defs.rules_ref,
            exercises=self.defs.library_ref,
            answers={k: v for k, v in answers.items() if v is not None},
            findings=findings,
            referral=referral,
            plan_status=status,
            plan_status_message=rules.plan.status_messages[status],
            plan=plan,
            disclaimer=rules.disclaimer,
            stop_rule=rules.stop_rule,
        )


@functools.lru_cache(maxsize=16)
def assessor_for(defs: Definitions) -> Assessor:
    """The cached Assessor of a set of definitions."""
    return Assessor(defs)


def assess(defs: Definitions, answers: Mapping[str, Any]) -> Report:
    """Turn checked answers into a report (pure: same inputs, same report)."""
    return assessor_for(defs)(answers)

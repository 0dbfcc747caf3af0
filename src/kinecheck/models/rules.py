"""Rule sets: findings scored from point rows, referral reasons, plan status and exercise choice.

Every `when` is a condition in the language of `kinecheck.conditions`, checked at load time.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from kinecheck.models.questionnaire import Id, Strict

Said = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
FindingLevel = Literal["likely", "possible"]
ReferralLevel = Literal["none", "routine", "soon", "urgent", "emergency"]
REFERRAL_ORDER: tuple[ReferralLevel, ...] = ("none", "routine", "soon", "urgent", "emergency")
PlanStatus = Literal["ready", "after_clearance", "withheld"]


class PointRow(Strict):
    """Points a finding earns when its condition holds, with the reason shown as evidence."""

    when: str
    points: int = Field(ge=1, le=100)
    because: str
    question: Id | None = Field(
        default=None,
        description="The question shown as evidence; default: the first the condition names.",
    )


class Cap(Strict):
    """An upper bound on a finding's level (a normal measured test outranks reported hunches)."""

    when: str
    max_level: FindingLevel
    because: str


class Thresholds(Strict):
    """Scores at which a finding becomes possible and likely."""

    possible: int = Field(default=1, ge=1)
    likely: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.likely < self.possible:
            raise ValueError("'likely' must be at least 'possible'")
        return self


class Finding(Strict):
    """A likely contributor to the problem, never a diagnosis."""

    id: Id
    title: str
    statement: dict[FindingLevel, str] = Field(
        description="What the report says at each level, phrased as a possible contributor."
    )
    thresholds: Thresholds = Thresholds()
    points: list[PointRow] = Field(min_length=1)
    caps: list[Cap] = []
    exercises: list[Id] = []
    notes: list[str] = []

    @model_validator(mode="after")
    def _both_levels_worded(self) -> Finding:
        missing = {"likely", "possible"} - set(self.statement)
        if missing:
            raise ValueError(f"statement needs a sentence for: {', '.join(sorted(missing))}")
        return self


class Reason(Strict):
    """One reason to see a professional, with how urgently."""

    id: Id
    when: str
    level: Literal["routine", "soon", "urgent", "emergency"]
    message: str


class LevelAdvice(Strict):
    """What the report says at the top for a referral level."""

    title: str
    message: str


class Referral(Strict):
    """Reasons to be checked, and what to do at each level."""

    levels: dict[ReferralLevel, LevelAdvice]
    reasons: list[Reason] = []

    @model_validator(mode="after")
    def _every_level_worded(self) -> Referral:
        missing = [lvl for lvl in REFERRAL_ORDER if lvl not in self.levels]
        if missing:
            raise ValueError(f"levels needs advice for: {', '.join(missing)}")
        return self


class StatusRule(Strict):
    """A plan status that applies when its condition holds; the first that holds wins."""

    status: Literal["after_clearance", "withheld"]
    when: str


class VariantChoice(Strict):
    """Use this variant of an exercise when the condition holds (no condition: the fallback)."""

    variant: Id
    when: str | None = None


class Plan(Strict):
    """How the exercise plan is gated and how each exercise's variant is chosen."""

    status: list[StatusRule] = []
    status_messages: dict[PlanStatus, str]
    empty_message: str | None = Field(
        default=None,
        description="Said instead of the status message when no exercise was selected.",
    )
    equipment_question: Id | None = Field(
        default=None, description="The multiple choice question that says what equipment there is."
    )
    variants: dict[Id, list[VariantChoice]] = {}


class RuleSet(Strict):
    """Everything that turns one questionnaire's answers into a report."""

    id: Id | str
    version: str
    questionnaire: str
    exercise_library: str = Field(
        default="exercises.yaml", description="Path of the exercise library, relative to this file."
    )
    disclaimer: Said = Field(description="Not medical advice; shown in every report.")
    stop_rule: Said = Field(description="When to stop an exercise; shown in every report.")
    findings: list[Finding] = Field(min_length=1)
    referral: Referral
    plan: Plan

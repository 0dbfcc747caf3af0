"""Rule sets: findings scored from point rows, referral reasons, plan status and exercise choice.

Every `when` is a condition in the language of `kinecheck.definitions.conditions`, checked at
load time.
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from kinecheck.definitions.base import Check, Id, Strict, model
from kinecheck.definitions.questionnaire import QuestionnaireId

Said = Annotated[str, Check(strip_whitespace=True, min_length=1)]
FindingLevel = Literal["likely", "possible"]
ReferralLevel = Literal["none", "routine", "soon", "urgent", "emergency"]
REFERRAL_ORDER: tuple[ReferralLevel, ...] = ("none", "routine", "soon", "urgent", "emergency")
PlanStatus = Literal["ready", "after_clearance", "withheld"]


@model
class PointRow(Strict):
    """Points a finding earns when its condition holds, with the reason shown as evidence."""

    when: str
    points: Annotated[int, Check(ge=1, le=100)]
    because: str
    question: Id | None = None  # shown as evidence; default: the first the condition names


@model
class Cap(Strict):
    """An upper bound on a finding's level (a normal measured test outranks reported hunches)."""

    when: str
    max_level: FindingLevel
    because: str


@model
class Thresholds(Strict):
    """Scores at which a finding becomes possible and likely."""

    possible: Annotated[int, Check(ge=1)] = 1
    likely: Annotated[int, Check(ge=1)] = 3

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        if self.likely < self.possible:
            raise ValueError("'likely' must be at least 'possible'")


@model
class Note(Strict):
    """A remark shown with a finding, only `when` it applies (say, once a self-test was done)."""

    text: Said
    when: str | None = None


@model
class Finding(Strict):
    """A likely contributor to the problem, never a diagnosis."""

    id: Id
    title: str
    # what the report says at each level, phrased as a possible contributor
    statement: dict[FindingLevel, str]
    thresholds: Thresholds = field(default_factory=Thresholds)
    points: Annotated[list[PointRow], Check(min_length=1)]
    caps: list[Cap] = field(default_factory=list)
    exercises: list[Id] = field(default_factory=list)
    notes: list[str | Note] = field(default_factory=list)  # a plain string: always shown

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        missing = {"likely", "possible"} - set(self.statement)
        if missing:
            raise ValueError(f"statement needs a sentence for: {', '.join(sorted(missing))}")


@model
class Reason(Strict):
    """One reason to see a professional, with how urgently."""

    id: Id
    when: str
    level: Literal["routine", "soon", "urgent", "emergency"]
    message: str


@model
class LevelAdvice(Strict):
    """What the report says at the top for a referral level."""

    title: str
    message: str


@model
class Referral(Strict):
    """Reasons to be checked, and what to do at each level."""

    levels: dict[ReferralLevel, LevelAdvice]
    reasons: list[Reason] = field(default_factory=list)

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        missing = [lvl for lvl in REFERRAL_ORDER if lvl not in self.levels]
        if missing:
            raise ValueError(f"levels needs advice for: {', '.join(missing)}")


@model
class StatusRule(Strict):
    """A plan status that applies when its condition holds; the first that holds wins."""

    status: Literal["after_clearance", "withheld"]
    when: str


@model
class VariantChoice(Strict):
    """Use this variant of an exercise when the condition holds (no condition: the fallback)."""

    variant: Id
    when: str | None = None


@model
class Plan(Strict):
    """How the exercise plan is gated and how each exercise's variant is chosen."""

    status: list[StatusRule] = field(default_factory=list)
    status_messages: dict[PlanStatus, str]
    empty_message: str | None = None  # said instead of the status message when no exercise
    equipment_question: Id | None = None  # the multiple choice question on equipment owned
    variants: dict[Id, list[VariantChoice]] = field(default_factory=dict)


@model
class RuleSet(Strict):
    """Everything that turns one questionnaire's answers into a report."""

    id: Id | str
    version: str
    questionnaire: QuestionnaireId  # an id, never a path
    # its path, relative to this file and inside this file's folder (`screening` checks it)
    exercise_library: str = "exercises.yaml"
    disclaimer: Said  # not medical advice; shown in every report
    stop_rule: Said  # when to stop an exercise; shown in every report
    findings: Annotated[list[Finding], Check(min_length=1)]
    referral: Referral
    plan: Plan

"""The report: the JSON contract (schema_version 1) that renderers and storage consume.

Besides the contract, a report carries the wording only people read (`Wording`: titles, the
"nothing found" sentence), which the JSON leaves out, so that every renderer takes a report
alone and the JSON stays exactly what contract.md describes.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from kinecheck.definitions.base import DefinitionRef, Strict, output_model
from kinecheck.definitions.rules import FindingLevel, PlanStatus, ReferralLevel

SCHEMA_VERSION = 1


@output_model
class Out(Strict):
    """Base of report models: frozen, with exactly the contract's fields.

    pydantic reads a JSON report back into them, and the tests hold the two equal.
    """


@output_model
class Evidence(Out):
    """One answer that earned a finding points."""

    question: str
    answer: Any
    points: int
    because: str
    answers: dict[str, Any] = field(default_factory=dict)


@output_model
class FindingResult(Out):
    """A finding that fired."""

    id: str
    title: str
    level: FindingLevel
    score: int
    statement: str
    evidence: list[Evidence]
    capped: str | None = None
    notes: list[str] = field(default_factory=list)


@output_model
class ScoreResult(Out):
    """One score of the rules: its value and band, or why it was not scored."""

    id: str
    title: str
    value: int | float | None
    min: int | float
    max: int | float
    band: str | None
    answered: int
    missing: int
    scored: bool
    why_not_scored: str | None


@output_model
class ReasonResult(Out):
    """One reason to be checked."""

    id: str
    level: ReferralLevel
    message: str


@output_model
class ReferralResult(Out):
    """The overall referral: its level is that of its highest reason."""

    level: ReferralLevel
    title: str | None  # None (and message too): the rules have no referral advice
    message: str | None
    reasons: list[ReasonResult]


@output_model
class DoseOut(Out):
    """Dose as written in the library."""

    seconds_min: int | None
    seconds_max: int | None
    rounds_min: int
    rounds_max: int
    min_total_seconds_per_side: int | None


@output_model
class PlanItem(Out):
    """One exercise in the plan, in the variant that fits the person."""

    exercise: str
    name: str
    target: str
    kind: str
    variant: str
    variant_name: str
    sides: str
    equipment: list[str]
    missing_equipment: list[str]
    substitutes: dict[str, str]
    dose: DoseOut
    purpose: str
    setup: str
    steps: list[str]
    too_far: str
    easier: str
    cautions: list[str]
    notes: list[str]
    because: list[str]


@output_model
class Wording(Out):
    """What the human reports say that the JSON does not: all of it from the definitions."""

    title: str  # the heading of Markdown and HTML reports
    page_title: str  # the HTML page's title (a browser tab)
    no_findings: str | None  # said when the rules declare findings and none fired
    show_none: bool  # the `none` referral advice heads the report


@output_model
class Report(Out):
    """Everything one assessment says.

    `scores` is None, and left out of the JSON, when the rules declare none; `wording` is
    never in the JSON (see the module's docstring).
    """

    schema_version: int = SCHEMA_VERSION
    questionnaire: DefinitionRef
    rules: DefinitionRef
    exercises: DefinitionRef | None  # None: the rules use no exercise library
    answers: dict[str, Any]
    scores: list[ScoreResult] | None = None
    findings: list[FindingResult]
    referral: ReferralResult
    plan_status: PlanStatus | None  # None (and its message too): the rules have no plan
    plan_status_message: str | None
    plan: list[PlanItem]
    disclaimer: str
    stop_rule: str | None  # None: the rules have no stop rule (and so no plan)
    wording: Wording | None = None  # for people only: never in the JSON

    def __eq__(self, other: object) -> bool:
        """Equal when their JSON is: the wording is for people, not part of the contract."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return contract_fields(self) == contract_fields(other)

    __hash__ = Out.__hash__


def contract_fields(report: Report) -> dict[str, Any]:
    """The report's fields as the JSON writes them, in order: no wording, no scores if none."""
    fields = dict(report.__dict__)
    del fields["wording"]
    if fields["scores"] is None:
        del fields["scores"]
    return fields

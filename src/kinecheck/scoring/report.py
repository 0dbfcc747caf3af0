"""The report: the JSON contract (schema_version 1) that renderers and storage consume."""

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
class ReasonResult(Out):
    """One reason to be checked."""

    id: str
    level: ReferralLevel
    message: str


@output_model
class ReferralResult(Out):
    """The overall referral: its level is that of its highest reason."""

    level: ReferralLevel
    title: str
    message: str
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
class Report(Out):
    """Everything one assessment says."""

    schema_version: int = SCHEMA_VERSION
    questionnaire: DefinitionRef
    rules: DefinitionRef
    exercises: DefinitionRef
    answers: dict[str, Any]
    findings: list[FindingResult]
    referral: ReferralResult
    plan_status: PlanStatus
    plan_status_message: str
    plan: list[PlanItem]
    disclaimer: str
    stop_rule: str

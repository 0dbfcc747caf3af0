"""Compiled definitions: the checked models plus their conditions, ready to ask and assess.

Named types rather than tuples, so `assess` reads `reason.condition`, not `pair[1]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from kinecheck.definitions.base import DefinitionRef
from kinecheck.definitions.conditions import Condition, Symbol
from kinecheck.definitions.exercises import Exercise, ExerciseLibrary
from kinecheck.definitions.questionnaire import (
    MultiChoice,
    NumberBase,
    QuestionBase,
    Questionnaire,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)
from kinecheck.definitions.rules import Cap, Finding, Reason, RuleSet, StatusRule


@dataclass(frozen=True)
class CompiledRow:
    """A point row with its compiled condition and the question shown as evidence."""

    points: int
    because: str
    question: str
    condition: Condition


@dataclass(frozen=True)
class CompiledCap:
    """A cap on a finding's level, with its compiled condition."""

    cap: Cap
    condition: Condition

    @property
    def because(self) -> str:
        """Why the level was lowered, as the report shows it."""
        return self.cap.because

    @property
    def lowers_to_possible(self) -> bool:
        """A cap at 'likely' can never lower anything; one at 'possible' can."""
        return self.cap.max_level == "possible"


@dataclass(frozen=True)
class CompiledFinding:
    """A finding with compiled point rows, caps and notes."""

    finding: Finding
    rows: tuple[CompiledRow, ...]
    caps: tuple[CompiledCap, ...]
    notes: tuple[CompiledNote, ...] = ()


@dataclass(frozen=True)
class CompiledNote:
    """A finding's note; no condition means it is always shown."""

    text: str
    condition: Condition | None


@dataclass(frozen=True)
class CompiledReason:
    """A referral reason with its compiled condition."""

    reason: Reason
    condition: Condition


@dataclass(frozen=True)
class CompiledStatus:
    """A plan status rule with its compiled condition."""

    rule: StatusRule
    condition: Condition


@dataclass(frozen=True)
class CompiledVariant:
    """One way to pick an exercise's variant; no condition means the fallback."""

    variant: str
    condition: Condition | None


@dataclass(frozen=True, eq=False)
class Definitions:
    """Everything needed to ask a questionnaire and assess its answers, checked and compiled."""

    questionnaire: Questionnaire
    rules: RuleSet
    library: ExerciseLibrary
    questionnaire_ref: DefinitionRef
    rules_ref: DefinitionRef
    library_ref: DefinitionRef
    questions: dict[str, QuestionBase]
    when: dict[str, Condition]
    findings: tuple[CompiledFinding, ...]
    reasons: tuple[CompiledReason, ...]
    status: tuple[CompiledStatus, ...]
    variants: dict[str, tuple[CompiledVariant, ...]]

    # Look-ups derived from the fields above, made once per load rather than once per answer set.
    @cached_property
    def exercises(self) -> dict[str, Exercise]:
        """The library's exercises by id."""
        return self.library.by_id()

    @cached_property
    def exercises_of(self) -> dict[str, tuple[str, ...]]:
        """The exercises each finding asks for, by finding id."""
        return {c.finding.id: tuple(c.finding.exercises) for c in self.findings}

    @cached_property
    def position(self) -> dict[str, int]:
        """Each question's place in the questionnaire (0 for the first)."""
        return {qid: i for i, qid in enumerate(self.questions)}

    @cached_property
    def equipment_choices(self) -> frozenset[str]:
        """What the equipment question asks about: only that can be reported as missing."""
        eq = self.rules.plan.equipment_question
        return frozenset(choice_ids(self.questions[eq])) if eq else frozenset()


def symbol_for(question: QuestionBase) -> Symbol:
    """The condition-language type of a question's answer."""
    if isinstance(question, MultiChoice):
        return Symbol("multi", frozenset(choice_ids(question)))
    if isinstance(question, SingleChoice | YesNo):
        return Symbol("choice", frozenset(choice_ids(question)))
    if isinstance(question, NumberBase):
        return Symbol("number")
    assert isinstance(question, Text)
    return Symbol("text")

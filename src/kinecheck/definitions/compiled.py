"""Compiled definitions: the checked models plus their conditions, ready to ask and assess.

Named types rather than tuples, so `assess` reads `reason.condition`, not `pair[1]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

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
from kinecheck.definitions.rules import Cap, Finding, Reason, RuleSet, Score, StatusRule
from kinecheck.records import Record, record

if TYPE_CHECKING:  # fractions (and decimal) load only with rules that have scores
    from fractions import Fraction


@record
class CompiledRow(Record):
    """A point row with its compiled condition and the question shown as evidence."""

    points: int
    because: str
    question: str
    condition: Condition


@record
class CompiledCap(Record):
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


@record
class CompiledFinding(Record):
    """A finding with compiled point rows, caps and notes."""

    finding: Finding
    rows: tuple[CompiledRow, ...]
    caps: tuple[CompiledCap, ...]
    notes: tuple[CompiledNote, ...] = ()


@record
class CompiledNote(Record):
    """A finding's note; no condition means it is always shown."""

    text: str
    condition: Condition | None


@record
class CompiledReason(Record):
    """A referral reason with its compiled condition."""

    reason: Reason
    condition: Condition


@record
class CompiledStatus(Record):
    """A plan status rule with its compiled condition."""

    rule: StatusRule
    condition: Condition


@record
class CompiledVariant(Record):
    """One way to pick an exercise's variant; no condition means the fallback."""

    variant: str
    condition: Condition | None


@record
class ScoreItem(Record):
    """One item of a score, ready to be read: its weight, and its choices' numbers if a choice.

    Numbers are Fractions, so a sum, a mean and the final rounding are exact (62.5 -> 63 and
    81.25 -> 81.3 every time, where floats would drift).
    """

    question: str
    weight: Fraction
    choices: Mapping[str, Fraction] | None  # a single choice: its values, already reversed
    reverse_from: Fraction | None  # a number reversed: `reverse_from - value` (min + max)

    def value(self, answer: object) -> Fraction:
        """The item's number for an answer, reverse-scored where the rules say so."""
        if self.choices is not None:
            return self.choices[str(answer)]
        from fractions import Fraction

        number = Fraction(answer) if type(answer) is int else Fraction(repr(answer))
        return number if self.reverse_from is None else self.reverse_from - number


@record
class CompiledScore(Record):
    """A score with its items compiled and its numbers exact."""

    score: Score
    items: tuple[ScoreItem, ...]
    multiply: Fraction
    add: Fraction
    bands: tuple[tuple[Fraction, str], ...]  # (max, label), ascending

    @property
    def total_weight(self) -> Fraction:
        """The weight of all items, what a prorated sum is scaled up to."""
        return sum(item.weight for item in self.items[1:]) + self.items[0].weight


@record
class SourceBytes(Record):
    """The bytes of the files the definitions were read from, as their sha256 was taken.

    Kept so a clinic database can store the exact files a session was asked and scored with.
    """

    questionnaire: bytes
    rules: bytes
    library: bytes | None


@dataclass(frozen=True, eq=False)
class Definitions:
    """Everything needed to ask a questionnaire and assess its answers, checked and compiled."""

    questionnaire: Questionnaire
    rules: RuleSet
    library: ExerciseLibrary | None  # None: the rules name no exercise and have no library
    questionnaire_ref: DefinitionRef
    rules_ref: DefinitionRef
    library_ref: DefinitionRef | None
    questions: dict[str, QuestionBase]
    when: dict[str, Condition]  # a question's own `when` joined to its section's
    scores: tuple[CompiledScore, ...]
    findings: tuple[CompiledFinding, ...]
    reasons: tuple[CompiledReason, ...]
    status: tuple[CompiledStatus, ...]
    variants: dict[str, tuple[CompiledVariant, ...]]
    sources: SourceBytes

    # Look-ups derived from the fields above, made once per load rather than once per answer set.
    @cached_property
    def exercises(self) -> dict[str, Exercise]:
        """The library's exercises by id."""
        return self.library.by_id() if self.library else {}

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
        eq = self.rules.plan.equipment_question if self.rules.plan else None
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

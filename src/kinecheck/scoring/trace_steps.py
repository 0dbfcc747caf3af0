"""The parts of a `why` trace: plain dataclasses, written as JSON by `dataclasses.asdict`.

`kinecheck.scoring.trace` fills them from the engine's own decisions; the text renderer
(`kinecheck.render.trace_text`) and `--format json` read them. Every value is plain data
(numbers, text, lists): no Fraction, no model, so the JSON needs no converter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Why a name in a condition had no value: its question was not asked, or asked and left
# unanswered; its score was not scored; anything else (a division by zero) has no value.
Missing = Literal["not asked", "no answer", "not scored", "no value"]


@dataclass(frozen=True)
class Evaluated:
    """One condition as the engine evaluated it, with every value it read."""

    condition: str
    held: bool
    values: dict[str, Any]  # each name it reads -> its value (None: see `missing`)
    missing: dict[str, Missing] = field(default_factory=dict)  # the names without a value
    counted: dict[str, list[str]] = field(default_factory=dict)  # count('x') -> questions


@dataclass(frozen=True)
class QuestionStep:
    """Whether a question was asked, what decided it, and the answer."""

    id: str
    section: str
    asked: bool
    answer: Any  # None: not asked, or asked and left unanswered
    when: Evaluated | None  # its `when` (joined to its section's); None: always asked
    plan_withheld: bool = False  # not asked: it only serves a plan already withheld


@dataclass(frozen=True)
class RowStep:
    """One point row of a finding and whether it held."""

    points: int
    because: str
    question: str  # the answer the report shows as its evidence
    test: Evaluated


@dataclass(frozen=True)
class CapStep:
    """A cap on a finding's level: whether its condition held, and whether it lowered it."""

    max_level: str
    because: str
    test: Evaluated
    lowered: bool


@dataclass(frozen=True)
class FindingStep:
    """A finding: its rows, its total, its thresholds, its caps and the level decided."""

    id: str
    title: str
    level: str | None  # None: below 'possible', it did not fire
    score: int
    possible: int
    likely: int
    rows: list[RowStep]
    caps: list[CapStep]
    exercises: list[str]


@dataclass(frozen=True)
class ItemStep:
    """One item of a score: its answer and the number it counts as."""

    question: str
    answer: Any
    number: int | float | None  # after reversing; None when there is no answer
    missing: Missing | None  # why there is no answer; None when there is one
    weight: int | float
    reversed: bool


@dataclass(frozen=True)
class BandStep:
    """A band of a score: the values up to `max` that no earlier band took."""

    max: int | float
    label: str


@dataclass(frozen=True)
class ScoreStep:
    """A score: its items, the missing-item rule, the arithmetic and the value."""

    id: str
    title: str
    method: str
    items: list[ItemStep]
    answered: int
    missing: int
    max_missing: int
    prorate: bool
    multiply: int | float
    add: int | float
    decimals: int
    value: int | float | None
    band: str | None
    bands: list[BandStep]
    why_not_scored: str | None


@dataclass(frozen=True)
class ReasonStep:
    """A referral reason and whether it held."""

    id: str
    level: str
    test: Evaluated


@dataclass(frozen=True)
class StatusStep:
    """A plan status rule; the first that holds gives the status."""

    status: str
    test: Evaluated


@dataclass(frozen=True)
class VariantStep:
    """One rule choosing an exercise's variant; no test: the fallback."""

    variant: str
    test: Evaluated | None


@dataclass(frozen=True)
class ExerciseStep:
    """An exercise a finding names: in the plan or not, and why this variant."""

    id: str
    name: str
    kind: str
    named_by: dict[str, str]  # the findings that ask for it -> their level ('none': not fired)
    place: int | None  # its place in the plan (1 for the first); None: not in the plan
    asked_by: list[str]  # the findings that fired and put it in the plan
    variant: str | None  # the variant the plan gives; None when not in the plan
    first_variant: str  # what the plan gives when no variant rule chooses
    choices: list[VariantStep]
    missing_equipment: list[str]


@dataclass(frozen=True)
class Trace:
    """Why one answer set gave its report; with `focus`, only the parts about that id."""

    questionnaire: str  # "knee-pain 1.0.0"
    rules: str
    answers_file: str | None
    questions: list[QuestionStep]
    scores: list[ScoreStep]
    findings: list[FindingStep]
    reasons: list[ReasonStep]
    referral_level: str | None  # None: the rules have no referral
    status_rules: list[StatusStep]
    plan_status: str | None  # None: the rules have no plan
    exercises: list[ExerciseStep]
    focus: str | None = None

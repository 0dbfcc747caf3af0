"""Questionnaire definitions: sections of typed questions, each asked only `when` it applies."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from kinecheck.definitions.base import Check, Id, Strict, model

NOT_SURE = "not_sure"
# A questionnaire's id is also its file name (questionnaires/<id>.yaml, rules/<id>.yaml), so a
# rules file that names one can never name a path outside those folders.
QuestionnaireId = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_-]*$")]


@model
class Choice(Strict):
    """One option of a single or multiple choice question."""

    id: Id
    label: str
    help: str | None = None
    exclusive: bool = False  # must be the only choice picked (for 'none' or 'not sure')
    # The number a score reads for this choice (Never = 0 ... Always = 4), so a labelled scale
    # keeps its words in the quiz; conditions still compare the choice id.
    value: int | float | None = None


@model
class QuestionBase(Strict):
    """What every question has, whatever its type."""

    id: Id
    prompt: str
    help: str | None = None
    instructions: list[str] | None = None  # numbered steps shown before it (self-tests)
    when: str | None = None  # ask only when this condition holds
    optional: bool = False  # the person may skip it
    # Only the exercise plan uses the answer (equipment, the self-tests): not asked once the
    # answers before it already mean the plan will be withheld (a warning sign, say).
    only_for_plan: bool = False


@model
class SingleChoice(QuestionBase):
    """Pick exactly one choice."""

    type: Literal["single"]
    choices: Annotated[list[Choice], Check(min_length=2)]
    default: str | None = None


@model
class MultiChoice(QuestionBase):
    """Pick any number of choices; an `exclusive` choice must stand alone."""

    type: Literal["multi"]
    choices: Annotated[list[Choice], Check(min_length=2)]


@model
class YesNo(QuestionBase):
    """Yes or no, with 'not sure' offered unless `not_sure: false`."""

    type: Literal["yes_no"]
    not_sure: bool = True
    default: Literal["yes", "no", "not_sure"] | None = None


# Which way a measure improves, for judging a change between two sessions.
Better = Literal["higher", "lower"]
# The smallest difference between two sessions that is more than measurement error: above 0.
RealChange = Annotated[float, Check(gt=0)]


@model
class NumberBase(QuestionBase):
    """A number in a closed range, with a unit shown beside it.

    `smallest_real_change` and `better` say how a re-assessment reads a change in the answer
    (`kinecheck clinic compare`): a difference smaller than the first is "no real change",
    and the second says whether a real change is for the better. Both come from published
    figures, so they live in the definitions, never in code.
    """

    min: float
    max: float
    unit: str | None = None
    default: float | None = None
    smallest_real_change: RealChange | None = None
    better: Better | None = None

    def __post_init__(self) -> None:  # pydantic runs it after checking the fields
        if not all(-math.inf < x < math.inf for x in (self.min, self.max, self.default or 0)):
            return  # reported at its own line by `guards.number_problems`, in our words
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not be greater than max ({self.max})")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside {self.min}..{self.max}")


@model
class Integer(NumberBase):
    """A whole number."""

    type: Literal["integer"]


@model
class Number(NumberBase):
    """Any number (decimals allowed)."""

    type: Literal["number"]


@model
class Scale(NumberBase):
    """A whole-number scale such as pain 0–10, with words for its ends."""

    type: Literal["scale"]
    min: float = 0
    max: float = 10
    min_label: str | None = None
    max_label: str | None = None


@model
class Text(QuestionBase):
    """Free text; never used by rules except to check it was answered."""

    type: Literal["text"]
    max_length: int = 2000


Question = Annotated[
    SingleChoice | MultiChoice | YesNo | Integer | Number | Scale | Text,
    Check(discriminator="type"),
]
ChoiceQuestion = SingleChoice | MultiChoice
NumericQuestion = Integer | Number | Scale


@model
class Section(Strict):
    """A group of questions shown under one heading."""

    id: Id
    title: str
    intro: str | None = None
    # Asked only when this holds: as if each question had it joined to its own `when` by `and`.
    when: str | None = None
    questions: Annotated[list[Question], Check(min_length=1)]


@model
class Questionnaire(Strict):
    """A whole questionnaire: metadata and its sections in the order they are asked."""

    id: QuestionnaireId
    title: str
    version: str
    description: str | None = None
    audience: str | None = None
    estimated_minutes: int | None = None
    sections: Annotated[list[Section], Check(min_length=1)]

    def questions(self) -> list[QuestionBase]:
        """Every question, in the order it would be asked."""
        return [q for s in self.sections for q in s.questions]

    def question_map(self) -> dict[str, QuestionBase]:
        """Questions by id."""
        return {q.id: q for q in self.questions()}

    def section_of(self, question_id: str) -> Section:
        """The section a question belongs to."""
        for s in self.sections:
            if any(q.id == question_id for q in s.questions):
                return s
        raise KeyError(question_id)


def choice_ids(question: QuestionBase) -> list[str]:
    """The answer ids a choice-like question accepts (yes/no questions included)."""
    if isinstance(question, SingleChoice | MultiChoice):
        return [c.id for c in question.choices]
    if isinstance(question, YesNo):
        return ["yes", "no", NOT_SURE] if question.not_sure else ["yes", "no"]
    return []


def choice_label(question: QuestionBase, choice: str) -> str:
    """The words shown for a choice id."""
    if isinstance(question, SingleChoice | MultiChoice):
        for c in question.choices:
            if c.id == choice:
                return c.label
    return {"yes": "Yes", "no": "No", NOT_SURE: "Not sure"}.get(choice, choice)


def choice_values(question: QuestionBase) -> dict[str, int | float]:
    """The numbers of a single choice's valued choices, by choice id (empty for other types)."""
    if not isinstance(question, SingleChoice):
        return {}
    return {c.id: c.value for c in question.choices if c.value is not None}

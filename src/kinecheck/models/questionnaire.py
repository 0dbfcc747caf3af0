"""Questionnaire definitions: sections of typed questions, each asked only `when` it applies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
NOT_SURE = "not_sure"


class Strict(BaseModel):
    """Base for every definition model: unknown fields are errors and models never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    """One option of a single or multiple choice question."""

    id: Id
    label: str
    help: str | None = None
    exclusive: bool = Field(
        default=False, description="Must be the only choice picked (for 'none' or 'not sure')."
    )


class QuestionBase(Strict):
    """What every question has, whatever its type."""

    id: Id
    prompt: str
    help: str | None = None
    instructions: list[str] | None = Field(
        default=None, description="Numbered steps shown before the question (self-tests)."
    )
    when: str | None = Field(default=None, description="Ask only when this condition holds.")
    optional: bool = Field(default=False, description="The person may skip it.")


class SingleChoice(QuestionBase):
    """Pick exactly one choice."""

    type: Literal["single"]
    choices: list[Choice] = Field(min_length=2)
    default: str | None = None


class MultiChoice(QuestionBase):
    """Pick any number of choices; an `exclusive` choice must stand alone."""

    type: Literal["multi"]
    choices: list[Choice] = Field(min_length=2)


class YesNo(QuestionBase):
    """Yes or no, with 'not sure' offered unless `not_sure: false`."""

    type: Literal["yes_no"]
    not_sure: bool = True
    default: Literal["yes", "no", "not_sure"] | None = None


class NumberBase(QuestionBase):
    """A number in a closed range, with a unit shown beside it."""

    min: float
    max: float
    unit: str | None = None
    default: float | None = None

    @model_validator(mode="after")
    def _range_is_ordered(self) -> NumberBase:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not be greater than max ({self.max})")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside {self.min}..{self.max}")
        return self


class Integer(NumberBase):
    """A whole number."""

    type: Literal["integer"]


class Number(NumberBase):
    """Any number (decimals allowed)."""

    type: Literal["number"]


class Scale(NumberBase):
    """A whole-number scale such as pain 0–10, with words for its ends."""

    type: Literal["scale"]
    min: float = 0
    max: float = 10
    min_label: str | None = None
    max_label: str | None = None


class Text(QuestionBase):
    """Free text; never used by rules except to check it was answered."""

    type: Literal["text"]
    max_length: int = 2000


Question = Annotated[
    SingleChoice | MultiChoice | YesNo | Integer | Number | Scale | Text,
    Field(discriminator="type"),
]
ChoiceQuestion = SingleChoice | MultiChoice
NumericQuestion = Integer | Number | Scale


class Section(Strict):
    """A group of questions shown under one heading."""

    id: Id
    title: str
    intro: str | None = None
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Strict):
    """A whole questionnaire: metadata and its sections in the order they are asked."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: str
    version: str
    description: str | None = None
    audience: str | None = None
    estimated_minutes: int | None = None
    sections: list[Section] = Field(min_length=1)

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

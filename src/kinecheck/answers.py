"""Checking answers: one path for typed input, answers files and resumed sessions.

Each question gets a checker built once (fast enough for batch scoring) that returns the
normalised value or a problem saying what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kinecheck.errors import AnswerProblem, AnswersError, did_you_mean
from kinecheck.flow import applies
from kinecheck.loading import Definitions
from kinecheck.models.questionnaire import (
    NOT_SURE,
    Integer,
    MultiChoice,
    NumberBase,
    QuestionBase,
    Scale,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
    choice_label,
)

Checker = Callable[[Any], tuple[Any, str | None]]
_BOOL_WORDS = {True: "yes", False: "no"}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def allowed_text(question: QuestionBase) -> str:
    """What a question accepts, in words (used in every error about it)."""
    if isinstance(question, NumberBase):
        whole = isinstance(question, Integer | Scale)
        unit = f" ({question.unit})" if question.unit else ""
        kind = "a whole number" if whole else "a number"
        return f"{kind} from {_fmt(question.min)} to {_fmt(question.max)}{unit}"
    if isinstance(question, MultiChoice):
        return "a list of: " + ", ".join(choice_ids(question))
    if isinstance(question, SingleChoice | YesNo):
        return "one of: " + ", ".join(choice_ids(question))
    assert isinstance(question, Text)
    return f"text of at most {question.max_length} characters"


def _number_checker(question: NumberBase) -> Checker:
    whole = isinstance(question, Integer | Scale)
    low, high = question.min, question.max
    unit = f" {question.unit}" if question.unit else ""
    range_msg = f"must be between {_fmt(low)} and {_fmt(high)}{unit}"

    def check(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            try:
                value = int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                return None, "must be a number"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        if isinstance(value, float):
            if not math.isfinite(value):
                return None, "must be a finite number"
            if whole:
                if not value.is_integer():
                    return None, "must be a whole number"
                value = int(value)
        if not low <= value <= high:
            return None, range_msg
        return value, None

    return check


def _choice_checker(question: SingleChoice | YesNo) -> Checker:
    ids = choice_ids(question)
    allowed = frozenset(ids)
    is_yes_no = isinstance(question, YesNo)

    def check(value: Any) -> tuple[Any, str | None]:
        if is_yes_no and isinstance(value, bool):
            value = _BOOL_WORDS[value]
        if not isinstance(value, str):
            return None, "must be one choice id"
        if value in allowed:
            return value, None
        if is_yes_no and value == NOT_SURE:
            return None, "'not sure' is not offered here; answer yes or no"
        hint = did_you_mean(value, ids)
        return None, f"'{value}' is not a choice" + (f"; {hint}" if hint else "")

    return check


def _multi_checker(question: MultiChoice) -> Checker:
    ids = choice_ids(question)
    allowed = frozenset(ids)
    exclusive = frozenset(c.id for c in question.choices if c.exclusive)

    def check(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "must be a list of choice ids"
        if not value:
            return None, "pick at least one choice" + (
                f" (or '{sorted(exclusive)[0]}')" if exclusive else ""
            )
        for v in value:
            if v not in allowed:
                hint = did_you_mean(v, ids)
                return None, f"'{v}' is not a choice" + (f"; {hint}" if hint else "")
        if len(set(value)) != len(value):
            return None, "a choice is listed twice"
        alone = exclusive.intersection(value)
        if alone and len(value) > 1:
            word = choice_label(question, sorted(alone)[0])
            return None, f"'{sorted(alone)[0]}' ({word}) cannot be combined with other choices"
        order = {c: i for i, c in enumerate(ids)}
        return sorted(value, key=order.__getitem__), None

    return check


def _text_checker(question: Text) -> Checker:
    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, str):
            return None, "must be text"
        value = value.strip()
        if len(value) > question.max_length:
            return None, f"must be at most {question.max_length} characters"
        return value, None

    return check


def make_checker(question: QuestionBase) -> Checker:
    """A function that normalises one answer to `question` or says why it is not allowed."""
    if isinstance(question, NumberBase):
        return _number_checker(question)
    if isinstance(question, MultiChoice):
        return _multi_checker(question)
    if isinstance(question, SingleChoice | YesNo):
        return _choice_checker(question)
    assert isinstance(question, Text)
    return _text_checker(question)


@dataclass
class Checked:
    """Valid answers in questionnaire order, and warnings about answers that were ignored."""

    answers: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class AnswerValidator:
    """Validates whole answer sets against one questionnaire (checkers built once)."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self.checkers = {qid: make_checker(q) for qid, q in defs.questions.items()}

    def check_one(self, question_id: str, value: Any) -> tuple[Any, AnswerProblem | None]:
        """Normalise a single answer (as typed, or from a file) or explain what is wrong."""
        question = self.defs.questions[question_id]
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.optional:
                return None, None
            return None, AnswerProblem(
                question_id, "an answer is required", value, allowed_text(question)
            )
        normal, message = self.checkers[question_id](value)
        if message is not None:
            return None, AnswerProblem(question_id, message, value, allowed_text(question))
        return normal, None

    def validate(self, raw: Any, *, partial: bool = False) -> Checked:
        """Check a whole mapping; raise AnswersError listing every problem.

        With `partial`, missing answers are not errors (a saved session or a pre-filled quiz).
        """
        if not isinstance(raw, Mapping):
            raise AnswersError(
                [
                    AnswerProblem(
                        "(file)",
                        "expected a mapping from question id to answer",
                        None,
                        "for example: {age: 41, knee_side: left}",
                    )
                ]
            )
        problems: list[AnswerProblem] = []
        questions = self.defs.questions
        for key in raw:
            if key not in questions:
                hint = did_you_mean(str(key), questions)
                problems.append(
                    AnswerProblem(
                        str(key), "unknown question id" + (f"; {hint}" if hint else ""), raw[key]
                    )
                )
        answers: dict[str, Any] = {}
        warnings: list[str] = []
        for qid, question in questions.items():
            if not applies(self.defs, qid, answers):
                if qid in raw:
                    warnings.append(f"{qid}: ignored, the question does not apply to these answers")
                continue
            if qid not in raw:
                if not partial and not question.optional:
                    problems.append(
                        AnswerProblem(qid, "missing answer", None, allowed_text(question))
                    )
                continue
            value, problem = self.check_one(qid, raw[qid])
            if problem is not None:
                problems.append(problem)
            else:
                answers[qid] = value
        if problems:
            raise AnswersError(problems)
        return Checked(answers, warnings)

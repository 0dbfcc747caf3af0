"""Checking answers: one path for typed input, answers files and resumed sessions.

Each question gets a checker built once (fast enough for batch scoring) that returns the
normalised value or a problem saying what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.questionnaire import (
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
from kinecheck.errors import AnswerProblem, AnswersError, bounded_suggestions, did_you_mean
from kinecheck.numbers import number_text
from kinecheck.scoring.decisions import plan_withheld

Checker = Callable[[Any], tuple[Any, str | None]]
_MISSING = object()
_BOOL_WORDS = {True: "yes", False: "no"}


def allowed_text(question: QuestionBase) -> str:
    """What a question accepts, in words (used in every error about it)."""
    if isinstance(question, NumberBase):
        whole = isinstance(question, Integer | Scale)
        unit = f" ({question.unit})" if question.unit else ""
        kind = "a whole number" if whole else "a number"
        return f"{kind} from {number_text(question.min)} to {number_text(question.max)}{unit}"
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
    range_msg = f"must be between {number_text(low)} and {number_text(high)}{unit}"

    def check(value: Any) -> tuple[Any, str | None]:
        if type(value) is int and low <= value <= high:  # fast path: the usual valid answer
            return value, None
        if isinstance(value, bool):
            return None, "a yes/no answer is not a number"
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            try:
                value = int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                return None, "not a number"
        if not isinstance(value, int | float):
            return None, "not a number"
        if isinstance(value, float):
            if not math.isfinite(value):
                return None, "not a finite number"
            if whole:
                if not value.is_integer():
                    return None, "not a whole number"
                value = int(value)
        if not low <= value <= high:
            return None, f"out of range: it {range_msg}"
        return value, None

    return check


def _choice_checker(question: SingleChoice | YesNo) -> Checker:
    ids = choice_ids(question)
    allowed = frozenset(ids)
    is_yes_no = isinstance(question, YesNo)

    def check(value: Any) -> tuple[Any, str | None]:
        if type(value) is str and value in allowed:  # fast path: the usual valid answer
            return value, None
        if is_yes_no and isinstance(value, bool):
            value = _BOOL_WORDS[value]
        if isinstance(value, list):
            return None, "a list, but this question takes one choice"
        if not isinstance(value, str):
            return None, "not a choice id"
        if value in allowed:
            return value, None
        if is_yes_no and value == NOT_SURE:
            return None, "'not_sure' is not offered for this question; answer yes or no"
        hint = did_you_mean(value, ids)
        return None, "not one of the choices" + (f"; {hint}" if hint else "")

    return check


def _multi_checker(question: MultiChoice) -> Checker:
    ids = choice_ids(question)
    allowed = frozenset(ids)
    exclusive = frozenset(c.id for c in question.choices if c.exclusive)
    order = {c: i for i, c in enumerate(ids)}

    def check(value: Any) -> tuple[Any, str | None]:
        if type(value) is list and value:  # fast path for a valid list; else the checks below
            try:
                picked = frozenset(value)
            except TypeError:  # an unhashable item: say so below
                picked = frozenset()
            if (
                len(picked) == len(value)
                and picked <= allowed
                and (len(value) == 1 or picked.isdisjoint(exclusive))
            ):
                return sorted(value, key=order.__getitem__), None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "not a list of choice ids"
        if not value:
            return None, "nothing was picked: pick at least one choice" + (
                f" (or '{sorted(exclusive)[0]}')" if exclusive else ""
            )
        for place, v in enumerate(value, 1):
            if v not in allowed:
                hint = did_you_mean(v, ids)
                return None, f"item {place} is not one of the choices" + (
                    f"; {hint}" if hint else ""
                )
        earlier: set[str] = set()
        for place, v in enumerate(value, 1):
            if v in earlier:
                return None, f"item {place} repeats an earlier choice; list each choice once"
            earlier.add(v)
        alone = exclusive.intersection(value)
        if alone and len(value) > 1:
            word = choice_label(question, sorted(alone)[0])
            return None, f"'{sorted(alone)[0]}' ({word}) cannot be combined with other choices"
        return sorted(value, key=order.__getitem__), None

    return check


def _text_checker(question: Text) -> Checker:
    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, str):
            return None, "not text"
        value = value.strip()
        if len(value) > question.max_length:
            return None, f"the text is {len(value)} characters long; at most {question.max_length}"
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


def _unchanged(
    question: QuestionBase,
) -> tuple[bool, frozenset[str], float, float, float, float]:
    """(text?, ids, low, high, f_low, f_high): answers the checker would return unchanged."""
    ids: frozenset[str] = frozenset()
    low = f_low = 1.0
    high = f_high = 0.0  # empty ranges
    if isinstance(question, SingleChoice | YesNo):
        ids = frozenset(choice_ids(question))
    elif isinstance(question, NumberBase):
        low, high = question.min, question.max  # an int in range is returned as it is
        finite = math.isfinite(low) and math.isfinite(high)
        if finite and not isinstance(question, Integer | Scale):  # floats stay floats
            f_low, f_high = low, high
    return isinstance(question, Text), ids, low, high, f_low, f_high


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
        self._numeric = frozenset(
            q for q, kind in defs.questions.items() if isinstance(kind, NumberBase)
        )
        # The hot loop of `validate` (batch scoring runs it per line): per question, in order,
        # its id, its compiled `when` test (as `flow.applies` uses it) or None, its checker,
        # whether a blank answer must be caught before the checker (only text accepts one),
        # and what its checker would return unchanged: these choice ids, whole numbers in
        # [low, high], floats in [f_low, f_high] (empty ranges where that does not apply).
        self._steps = tuple(
            (qid, None if (c := defs.when.get(qid)) is None else c.evaluate, check, *_unchanged(q))
            for (qid, q), check in zip(defs.questions.items(), self.checkers.values(), strict=True)
        )

        # questions only the plan needs: not asked once the answers before them withhold it
        self._plan_only = frozenset(qid for qid, q in defs.questions.items() if q.only_for_plan)

    def check_one(self, question_id: str, value: Any) -> tuple[Any, AnswerProblem | None]:
        """Normalise a single answer (as typed, or from a file) or explain what is wrong."""
        question = self.defs.questions[question_id]
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.optional:
                return None, None
            given = "nothing" if value is None else "only blanks"
            return None, AnswerProblem(
                question_id,
                f"{given} given, but an answer is required",
                value,
                allowed_text(question),
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
                        "for example: {age: 41, side: left}",
                    )
                ]
            )
        problems: list[AnswerProblem] = []
        questions = self.defs.questions
        with bounded_suggestions():  # a file of 100,000 unknown ids is not 100,000 look-ups
            for key in raw if not questions.keys() >= raw.keys() else ():
                if key not in questions:
                    hint = did_you_mean(str(key), questions)
                    problems.append(
                        AnswerProblem(
                            str(key),
                            "unknown question id" + (f"; {hint}" if hint else ""),
                            raw[key],
                        )
                    )
        answers: dict[str, Any] = {}
        warnings: list[str] = []
        get = raw.get
        withheld = _Withheld(self.defs, self._plan_only)
        for qid, when, check, blank_first, ids, low, high, f_low, f_high in self._steps:
            if (when is not None and not when(answers)) or (
                qid in self._plan_only and withheld(answers)
            ):
                if qid in raw:
                    warnings.append(f"{qid}: ignored, the question does not apply to these answers")
                continue
            value = get(qid, _MISSING)
            if value is _MISSING:
                question = questions[qid]
                if not partial and not question.optional:
                    problems.append(
                        AnswerProblem(qid, "missing answer", None, allowed_text(question))
                    )
                continue
            # Fast paths for a valid answer: one its checker returns as it is, or else what
            # the checker says. Only text accepts a blank string, so for the other types a
            # blank (or None) fails the checker and is judged by check_one below.
            kind = value.__class__
            if (
                (kind is str and value in ids)
                or (kind is int and low <= value <= high)
                or (kind is float and f_low <= value <= f_high)
            ):
                answers[qid] = value
                continue
            if kind is str and qid in self._numeric and value.strip():
                # Typed input is text and is parsed; in a file a number is a number (contract).
                normal, message = check(value)
                if message is None:
                    message = "a number in quotes is text: write the number without quotes" + (
                        ", with a dot for decimals" if "," in value else ""
                    )
                problems.append(AnswerProblem(qid, message, value, allowed_text(questions[qid])))
                continue
            if not blank_first or not (
                value is None or (isinstance(value, str) and not value.strip())
            ):
                normal, message = check(value)
                if message is None:
                    answers[qid] = normal
                    continue
            normal, problem = self.check_one(qid, value)  # blanks and every problem
            if problem is not None:
                problems.append(problem)
            else:
                answers[qid] = normal
        if problems:
            raise AnswersError(problems)
        return Checked(answers, warnings)


class _Withheld:
    """plan_withheld for the answers so far, decided again only when they have grown.

    Within one answer set the answers only grow, in order, and plan-only answers do not
    count; consecutive plan-only questions (equipment, then floor) thus share one decision.
    """

    def __init__(self, defs: Definitions, plan_only: frozenset[str]) -> None:
        self.defs, self.plan_only = defs, plan_only
        self.counted, self.result = -1, False

    def __call__(self, answers: Mapping[str, Any]) -> bool:
        counted = sum(1 for qid in answers if qid not in self.plan_only)
        if counted != self.counted:
            self.counted, self.result = counted, plan_withheld(self.defs, answers)
        return self.result

"""Hypothesis strategies that build valid answer sets from a questionnaire definition.

Nothing here knows about knee pain: the strategies walk the questions of any loaded
questionnaire in order, ask only those whose `when` holds for the answers drawn so far
(`kinecheck.scoring.flow.applies`), and draw an answer that fits each question's type and range.

    from strategies import answer_sets, raw_answer_sets  # tests/ is on sys.path under pytest

    @given(answer_sets(defs))        # {question id: answer}, None = an optional question skipped
    @given(raw_answer_sets(defs))    # the same, as an answers file holds it (skipped ones left out)
    @given(answer_sets(defs, edges=True))  # numbers often at the rules' cut-offs and the ends

Every set drawn is already in the validator's normal form (multiple choices in choice order,
whole numbers as int, text stripped), so `check_answers(defs, raw).answers == raw`.
"""

from __future__ import annotations

import math
import string
from typing import Any

from hypothesis import strategies as st

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.lint_space import parse, read
from kinecheck.definitions.questionnaire import (
    Integer,
    MultiChoice,
    Number,
    QuestionBase,
    Scale,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)
from kinecheck.scoring.flow import applies

# Numbers a person would type: whole numbers and halves (6.5 hours, 11.5 cm).
NUMBER_STEP = 0.5
_WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10)


def _multi(question: MultiChoice) -> st.SearchStrategy[list[str]]:
    """Exactly one exclusive choice, or a non-empty subset of the others in choice order."""
    exclusive = [c.id for c in question.choices if c.exclusive]
    others = [c.id for c in question.choices if not c.exclusive]
    options: list[st.SearchStrategy[list[str]]] = []
    if exclusive:
        options.append(st.sampled_from(exclusive).map(lambda c: [c]))
    if others:
        options.append(
            st.lists(st.sampled_from(others), min_size=1, unique=True).map(
                lambda picked: [c for c in others if c in picked]
            )
        )
    return st.one_of(options)


def _whole(question: Integer | Scale) -> st.SearchStrategy[int]:
    return st.integers(math.ceil(question.min), math.floor(question.max))


def _typeable(question: Number, step: float) -> st.SearchStrategy[int | float]:
    """Multiples of `step` in range; whole values as int, like a number typed in a file."""
    low, high = math.ceil(question.min / step), math.floor(question.max / step)
    if low > high:  # a range narrower than one step: its bounds are still typeable
        return st.sampled_from([question.min, question.max])

    def value(k: int) -> int | float:
        x = round(k * step, 10)  # 3 * 0.1 is 0.30000000000000004; a person types 0.3
        return int(x) if x.is_integer() else x

    return st.integers(low, high).map(value)


def _text(question: Text) -> st.SearchStrategy[str]:
    words = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)
    return words.map(lambda s: s[: question.max_length].strip()).filter(bool)


def answer_for(
    question: QuestionBase, step: float = NUMBER_STEP, edges: frozenset[float] = frozenset()
) -> st.SearchStrategy[Any]:
    """A valid (normalised) answer to one question; never None.

    With `edges` (numbers the conditions compare with), a number is as often one of the valid
    numbers at and just beside them, or the range's ends, as any number.
    """
    if isinstance(question, MultiChoice):
        return _multi(question)
    if isinstance(question, SingleChoice | YesNo):
        return st.sampled_from(choice_ids(question))
    if isinstance(question, Integer | Scale):
        anywhere: st.SearchStrategy[Any] = _whole(question)
    elif isinstance(question, Number):
        anywhere = _typeable(question, step)
    elif isinstance(question, Text):
        return _text(question)
    else:
        raise TypeError(f"no strategy for question type {type(question).__name__}")
    near = _near(question, edges, step)
    return st.one_of(st.sampled_from(near), anywhere) if near else anywhere


def _near(question: Integer | Number | Scale, edges: frozenset[float], step: float) -> list[Any]:
    """The range's ends, and each edge within it with the valid numbers a step either side."""
    if not edges:
        return []
    whole = isinstance(question, Integer | Scale)
    apart = 1 if whole else step
    found: set[int | float] = set()
    for edge in {question.min, question.max, *edges}:
        for x in (edge - apart, edge, edge + apart):
            x = round(x, 10)
            if question.min <= x <= question.max and (not whole or float(x).is_integer()):
                found.add(int(x) if float(x).is_integer() else x)
    return sorted(found)


def condition_numbers(defs: Definitions) -> frozenset[float]:
    """Every number the conditions of the definitions (questions' and rules') compare with."""
    conditions = [*defs.when.values()]
    for finding in defs.findings:
        conditions += [r.condition for r in finding.rows] + [c.condition for c in finding.caps]
        conditions += [n.condition for n in finding.notes if n.condition is not None]
    conditions += [r.condition for r in defs.reasons] + [s.condition for s in defs.status]
    conditions += [v.condition for vs in defs.variants.values() for v in vs if v.condition]
    return read([parse(c.source) for c in conditions]).numbers


def answer_sets(
    defs: Definitions, step: float = NUMBER_STEP, *, edges: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole valid answer sets in questionnaire order: every applicable question answered,
    optional ones sometimes skipped (value None), questions that do not apply left out.

    With `edges`, numbers are often those the conditions compare with, or just beside them.
    """
    near = condition_numbers(defs) if edges else frozenset()
    per_question = {  # built once: building strategies on every draw is slow
        qid: (st.none() | answer_for(q, step, near)) if q.optional else answer_for(q, step, near)
        for qid, q in defs.questions.items()
    }

    @st.composite
    def walk(draw: st.DrawFn) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for qid, strategy in per_question.items():
            if applies(defs, qid, answers):
                answers[qid] = draw(strategy)
        return answers

    return walk()


def without_skipped(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers an answers file would hold: skipped (None) entries left out."""
    return {qid: value for qid, value in answers.items() if value is not None}


def raw_answer_sets(defs: Definitions, step: float = NUMBER_STEP) -> st.SearchStrategy[dict]:
    """Valid answer sets as an answers file holds them (no None entries)."""
    return answer_sets(defs, step).map(without_skipped)

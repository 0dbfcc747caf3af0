"""What one question's answers look like to some conditions: a few representatives.

A condition compares answers only with the constants written in it, so it cannot tell apart
two answers that fall between the same constants: 6 and 7 hours are alike to `hours >= 8`,
and so are 'no' and 'not_sure' to `x == 'yes'`. A question is therefore cut into the values
the conditions can tell apart: each choice they quote and one choice they do not; for a
multiple choice, each combination of the quoted choices it can hold; for a number, each
constant within its range and the intervals between them (whole numbers where answers are
whole). `lint_space` combines them into answer sets.
"""

from __future__ import annotations

import itertools
import math

from kinecheck.definitions.lint_values import (
    NO_NUMBER,
    OTHER_TEXT,
    Num,
    Picks,
    Span,
    Unsure,
    Value,
    Words,
)
from kinecheck.definitions.questionnaire import (
    Integer,
    MultiChoice,
    NumberBase,
    QuestionBase,
    Scale,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)

# Quoted choices of one multiple choice whose every combination may be tried (2^16 of them):
# beyond, the conditions are left undecided.
MOST_PICKED = 16


def representatives(
    question: QuestionBase, texts: frozenset[str], numbers: frozenset[float]
) -> list[Value]:
    """The values of a question's answers conditions quoting `texts` and `numbers` tell apart."""
    if isinstance(question, SingleChoice | YesNo):
        ids = choice_ids(question)
        named = [c for c in ids if c in texts]
        other = [c for c in ids if c not in texts][:1]
        return [Words(frozenset({c})) for c in named + other]
    if isinstance(question, MultiChoice):
        return [Picks(frozenset({p})) for p in _picks(question, texts)]
    if isinstance(question, NumberBase):
        whole = isinstance(question, Integer | Scale)
        return [Num(s, False) for s in regions(question.min, question.max, numbers, whole)]
    return [Words(frozenset({t})) for t in [*sorted(texts), OTHER_TEXT]]


def regions(low: float, high: float, constants: frozenset[float], whole: bool) -> list[Span]:
    """`low..high` cut at each constant inside it: the constants, and the spans between them.

    For whole numbers, the spans hold only the whole numbers between the cuts (and a span with
    none is left out). Every number of the range lies in exactly one region.
    """
    if whole:
        low, high = float(math.ceil(low)), float(math.floor(high))
    if low > high:
        return []
    cuts = sorted({low, high, *(c for c in constants if low < c < high)})
    out: list[Span] = []
    for i, cut in enumerate(cuts):
        if math.isfinite(cut) and (not whole or float(cut).is_integer()):
            out.append(Span(cut, cut))
        if i + 1 < len(cuts):
            after = cuts[i + 1]
            if not whole:
                out.append(Span(cut, after, True, True))
                continue
            first, last = math.floor(cut) + 1, math.ceil(after) - 1
            if first <= last:
                out.append(Span(first, last))
    return out


def _picks(question: MultiChoice, quoted: frozenset[str]) -> list[frozenset[str]]:
    """What a multiple choice's answers look like to conditions that quote only `quoted`."""
    exclusive = [c.id for c in question.choices if c.exclusive]
    others = [c.id for c in question.choices if not c.exclusive]
    seen = [c for c in others if c in quoted]
    if len(seen) > MOST_PICKED:
        raise Unsure(f"{len(seen)} choices of one question quoted")
    out = {frozenset({e}) & quoted for e in exclusive}
    for size in range(1, len(seen) + 1):
        out.update(frozenset(combo) for combo in itertools.combinations(seen, size))
    if len(seen) < len(others):  # picks of choices no condition quotes look like nothing
        out.add(frozenset())
    return sorted(out, key=lambda s: (len(s), sorted(s)))


def is_word(question: QuestionBase) -> bool:
    """True when a question's answer is a word (a choice or a text), never a number."""
    return isinstance(question, SingleChoice | YesNo | MultiChoice | Text)


def may_skip(question: QuestionBase) -> bool:
    """True when a question may go unanswered even where its `when` holds."""
    return question.optional or question.only_for_plan


def no_answer(question: QuestionBase) -> Value:
    """No answer to a question."""
    if isinstance(question, NumberBase):
        return NO_NUMBER
    if isinstance(question, MultiChoice):
        return Picks(frozenset({None}))
    return Words(frozenset({None}))


def merged(values: list[Value]) -> Value:
    """One value standing for all of these (the smallest span holding every number)."""
    first = values[0]
    if isinstance(first, Num):
        nums = [v for v in values if isinstance(v, Num)]
        spans = [n.span for n in nums if n.span is not None]
        none = any(n.none for n in nums)
        if not spans:
            return NO_NUMBER
        lo = min(spans, key=lambda s: (s.lo, s.lo_open))
        hi = max(spans, key=lambda s: (s.hi, not s.hi_open))
        return Num(Span(lo.lo, hi.hi, lo.lo_open, hi.hi_open), none)
    if isinstance(first, Picks):
        return Picks(frozenset(p for v in values if isinstance(v, Picks) for p in v.values))
    if isinstance(first, Words):
        return Words(frozenset(w for v in values if isinstance(v, Words) for w in v.values))
    raise Unsure("cannot merge")

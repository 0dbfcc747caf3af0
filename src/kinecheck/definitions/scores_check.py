"""A rules file's scores against its questionnaire: items, weights, range and bands, compiled.

Checked here rather than by the model because every check needs the questions: an item must
be a question whose answer is a number (or a single choice whose choices all carry one), and
the declared range must be the one the items allow, so a typo in `range` or a forgotten
`reverse` is found by `kinecheck validate` instead of being printed as "85 / 80".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from kinecheck.definitions.compiled import CompiledScore, ScoreItem
from kinecheck.definitions.questionnaire import (
    NumberBase,
    QuestionBase,
    SingleChoice,
    choice_values,
)
from kinecheck.definitions.rules import Score
from kinecheck.errors import did_you_mean
from kinecheck.numbers import number_text

Loc = tuple[str | int, ...]
Report = Callable[[Loc, str, str | None], None]  # where, what is wrong, how to fix it
ITEM_KINDS = "integer, number or scale questions, or single choices whose choices all have a value"


def exact(x: float) -> Fraction:
    """A number as written (0.1 is 1/10, not the binary float nearest to it)."""
    return Fraction(x) if isinstance(x, int) else Fraction(repr(x))


def round_half_away(x: Fraction, decimals: int) -> Fraction:
    """`x` to `decimals` places, halves away from zero (62.5 -> 63, -62.5 -> -63)."""
    scale = Fraction(10) ** decimals
    magnitude = math.floor(abs(x) * scale + Fraction(1, 2))
    return (magnitude if x >= 0 else -magnitude) / scale


@dataclass(frozen=True)
class Extremes:
    """The lowest and highest value one item (or a whole score) can take."""

    low: Fraction
    high: Fraction


def check_scores(
    scores: Iterable[Score],
    questions: Mapping[str, QuestionBase],
    taken: Mapping[str, str],
    problem: Report,
) -> tuple[CompiledScore, ...]:
    """Every score checked and compiled; `taken` maps ids already in use to what uses them."""
    compiled: list[CompiledScore] = []
    seen: dict[str, str] = dict(taken)
    for si, score in enumerate(scores):
        sloc: Loc = ("scores", si)
        if score.id in seen:
            problem((*sloc, "id"), f"score id '{score.id}' is also a {seen[score.id]} id", None)
        seen.setdefault(score.id, "score")
        result = _score(score, sloc, questions, problem)
        if result is not None:
            compiled.append(result)
    return tuple(compiled)


def _score(
    score: Score, sloc: Loc, questions: Mapping[str, QuestionBase], problem: Report
) -> CompiledScore | None:
    """One score: its items, weights and reversed items, then its range and bands."""
    items: list[ScoreItem] = []
    ranges: list[Extremes] = []
    listed: set[str] = set()
    for ii, item_id in enumerate(score.items):
        iloc: Loc = (*sloc, "items", ii)
        if item_id in listed:
            problem(iloc, f"'{item_id}' is listed twice", "list each item once")
            continue
        listed.add(item_id)
        question = questions.get(item_id)
        if question is None:
            problem(iloc, f"unknown question '{item_id}'", did_you_mean(item_id, questions))
            continue
        item = _item(score, question)
        if item is None:
            problem(
                iloc,
                f"'{item_id}' is a question of type {getattr(question, 'type', '?')}, which has "
                "no number to score",
                f"score items are {ITEM_KINDS}",
            )
            continue
        items.append(item[0])
        ranges.append(item[1])
    for ri, item_id in enumerate(score.reverse):
        if item_id not in listed:
            problem((*sloc, "reverse", ri), f"'{item_id}' is not an item of this score", None)
    if score.weights and score.method != "weighted_sum":
        problem(
            (*sloc, "weights"),
            f"weights are used only by method weighted_sum, not {score.method}",
            "write method: weighted_sum, or remove the weights",
        )
    for item_id in score.weights:
        if item_id not in listed:
            problem((*sloc, "weights", item_id), f"'{item_id}' is not an item of this score", None)
    if len(items) != len(score.items):
        return None
    rescale = score.rescale
    multiply = exact(rescale.multiply) if rescale else Fraction(1)
    add = exact(rescale.add) if rescale else Fraction(0)
    bands = tuple((exact(b.max), b.label) for b in score.bands)
    compiled = CompiledScore(score, tuple(items), multiply, add, bands)
    _check_range(compiled, ranges, sloc, problem)
    return compiled


def _item(score: Score, question: QuestionBase) -> tuple[ScoreItem, Extremes] | None:
    """The compiled item and its extremes; None when the question has no number."""
    weight = exact(score.weights.get(question.id, 1)) if score.method == "weighted_sum" else 1
    reverse = question.id in score.reverse
    if isinstance(question, NumberBase):
        if not (math.isfinite(question.min) and math.isfinite(question.max)):
            return None  # reported where the question is
        low, high = exact(question.min), exact(question.max)
        flip = low + high if reverse else None
        return ScoreItem(question.id, Fraction(weight), None, flip), Extremes(low, high)
    values = choice_values(question)
    if not isinstance(question, SingleChoice) or len(values) != len(question.choices):
        return None
    numbers = {cid: exact(v) for cid, v in values.items()}
    low, high = min(numbers.values()), max(numbers.values())
    if reverse:
        numbers = {cid: low + high - v for cid, v in numbers.items()}
    return ScoreItem(question.id, Fraction(weight), numbers, None), Extremes(low, high)


def extremes(score: CompiledScore, ranges: list[Extremes]) -> Extremes:
    """The lowest and highest value complete answers give, rescaled and rounded as reported."""
    low = sum((i.weight * r.low for i, r in zip(score.items, ranges, strict=True)), Fraction(0))
    high = sum((i.weight * r.high for i, r in zip(score.items, ranges, strict=True)), Fraction(0))
    if score.score.method == "mean":
        low, high = low / len(ranges), high / len(ranges)
    ends = sorted((low * score.multiply + score.add, high * score.multiply + score.add))
    decimals = score.score.decimals
    return Extremes(round_half_away(ends[0], decimals), round_half_away(ends[1], decimals))


def _check_range(score: CompiledScore, ranges: list[Extremes], sloc: Loc, problem: Report) -> None:
    """The declared range is the one the items allow; bands ascend and reach its top."""
    found = extremes(score, ranges)
    declared = score.score.range
    if (exact(declared.min), exact(declared.max)) != (found.low, found.high):
        low, high = number_text(float(found.low)), number_text(float(found.high))
        problem(
            (*sloc, "range"),
            f"the range is {number_text(declared.min)} to {number_text(declared.max)}, but "
            f"the items allow {low} to {high}",
            f"write range: {{min: {low}, max: {high}}} (or check items, reverse and rescale)",
        )
    previous: Fraction | None = None
    for bi, (top, _) in enumerate(score.bands):
        if previous is not None and top <= previous:
            problem(
                (*sloc, "bands", bi, "max"),
                "band maxima must go up: this band's max is not above the one before",
                "list the bands from the lowest values to the highest",
            )
        previous = top
    if score.bands and score.bands[-1][0] < exact(declared.max):
        problem(
            (*sloc, "bands", len(score.bands) - 1, "max"),
            f"the last band ends at {number_text(float(score.bands[-1][0]))}, below the range's "
            f"max {number_text(declared.max)}, so the highest values would have no band",
            f"make the last band's max at least {number_text(declared.max)}",
        )

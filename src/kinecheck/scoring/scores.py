"""Answers -> the value of each score the rules declare (a total, a mean, a subscale).

The order of work is the one docs/authoring.md gives: each item's number (its choice's
`value`, or the number answered), reversed where the rules say so, weighted; the sum or the
mean of the answered items; prorated; rescaled; rounded half away from zero at the very end,
so the band is read from the value the person sees. All in Fractions: the result never
depends on binary floats (0.75 x -25 + 100 is 81.25 exactly, which rounds to 81.3).

Decided before the findings, so every rule condition can use a score's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kinecheck.definitions.compiled import CompiledScore
from kinecheck.definitions.scores_check import round_half_away


@dataclass(frozen=True)
class ScoreValue:
    """One score for one answer set; `value` and `band` are None when it is not scored."""

    id: str
    value: int | float | None  # a whole number when the score has no decimals
    band: str | None
    answered: int  # items answered
    missing: int  # items skipped or not asked
    why_not_scored: str | None  # the engine's words, naming no item and no answer

    @property
    def scored(self) -> bool:
        """True when there were few enough missing items to give a value."""
        return self.value is not None


def compute(compiled: CompiledScore, answers: Mapping[str, Any]) -> ScoreValue:
    """The score for checked answers; a question that does not apply has no answer there."""
    score = compiled.score
    got = [(item, answers.get(item.question)) for item in compiled.items]
    answered = [(item, answer) for item, answer in got if answer is not None]
    total, missing = len(compiled.items), len(compiled.items) - len(answered)
    if not answered:
        why = f"none of the {total} items answered"
        return ScoreValue(score.id, None, None, 0, total, why)
    if missing > score.missing.max:
        why = f"{missing} of {total} items unanswered; at most {score.missing.max} may be"
        return ScoreValue(score.id, None, None, len(answered), missing, why)
    if score.method == "mean":
        raw = sum((item.value(a) for item, a in answered), Fraction(0)) / len(answered)
    else:  # sum, weighted_sum (a plain sum's items all weigh 1)
        raw = sum((item.value(a) * item.weight for item, a in answered), Fraction(0))
        if score.missing.prorate and missing:
            weight = sum((item.weight for item, _ in answered), Fraction(0))
            raw = raw * compiled.total_weight / weight
    final = round_half_away(raw * compiled.multiply + compiled.add, score.decimals)
    band = next((label for top, label in compiled.bands if top >= final), None)
    value: int | float = int(final) if score.decimals == 0 else float(final)
    return ScoreValue(score.id, value, band, len(answered), missing, None)


def compute_all(
    scores: tuple[CompiledScore, ...], answers: Mapping[str, Any]
) -> tuple[ScoreValue, ...]:
    """Every score of the rules, in rules-file order."""
    return tuple(compute(compiled, answers) for compiled in scores)

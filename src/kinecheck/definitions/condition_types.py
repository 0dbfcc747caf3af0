"""The vocabulary of the condition language: names, compiled conditions, errors and limits.

Shared by the checker (`condition_checker`), the closures it builds (`condition_eval`) and
the entry point (`conditions`), so none of them imports another's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, Literal

from kinecheck.records import Record, record

Kind = Literal["number", "choice", "multi", "text", "bool", "str", "strlist"]
Answers = Mapping[str, Any]
Fn = Callable[[Answers], Any]

FUNCTIONS = ("answered", "min", "max", "abs", "count")
MAX_LENGTH = 2000  # characters; the longest shipped condition is about 200
DECIMALS = 9  # arithmetic results are rounded to this many places (answers have a few)
MAX_DEPTH = 40  # nested operators; deeper trees would exhaust the stack when compiled or run
# Every number a definition writes (a question's min, max or default, a number in a condition)
# lies within +-10^15. No measure a questionnaire asks about comes near it (a lifetime is about
# 3 * 10^9 seconds), every whole number up to it is exact as a float (up to 2^53, about
# 9 * 10^15), so comparisons mean what they say, and a product of a few answers stays far
# below where floats overflow (about 10^308); longer products are made safe where they run
# (`condition_eval`).
MAX_NUMBER_EXPONENT = 15
MAX_NUMBER = 10**MAX_NUMBER_EXPONENT
MAX_NUMBER_TEXT = f"10^{MAX_NUMBER_EXPONENT}"


@record
class Symbol(Record):
    """What a name in a condition stands for: its kind and, for choices, the ids it accepts."""

    kind: Literal["number", "choice", "multi", "text"]
    choices: frozenset[str] = frozenset()
    description: str = "question"


class ConditionError(ValueError):
    """A condition that cannot be compiled; the message says what and how to fix it."""

    def __init__(self, message: str, hint: str | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.name = name  # the unknown name, when that is what is wrong


@record
class Condition(Record):
    """A compiled condition: call it with answers to get True or False."""

    source: str
    names: tuple[str, ...]
    evaluate: Callable[[Answers], bool] = field(repr=False, compare=False)

    def __call__(self, answers: Answers) -> bool:
        """Evaluate the condition on a mapping of answers."""
        return self.evaluate(answers)


@record
class Typed(Record):
    """A checked part of a condition: the closure that computes it, and what kind it is."""

    fn: Fn
    kind: Kind
    choices: frozenset[str] = frozenset()
    name: str | None = None  # set when the expression is a bare name
    literal: Any = None  # set when the expression is a constant


KIND_WORDS: dict[Kind, str] = {
    "number": "a number",
    "choice": "a single choice",
    "multi": "a multiple choice",
    "text": "free text",
    "bool": "true/false",
    "str": "a text value",
    "strlist": "a list of text values",
}


def number_too_large(shown: str) -> ConditionError:
    """The error for a number beyond +-MAX_NUMBER (or infinite), shown as it was written."""
    if len(shown) > 20:
        shown = shown[:17] + "..."
    return ConditionError(
        f"the number {shown} is too large: numbers in a condition must lie between "
        f"-{MAX_NUMBER_TEXT} and {MAX_NUMBER_TEXT}",
        "a question's min and max lie within them too, so no answer comes near it",
    )

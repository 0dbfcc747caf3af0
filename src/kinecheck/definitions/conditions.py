"""A small, safe condition language, compiled once into Python closures.

Conditions are restricted Python expressions parsed with :mod:`ast` (never ``eval``)::

    sitting_hours >= 8
    5 <= sitting_hours < 8
    'calf_swelling' in red_flags
    current_injury in ['yes', 'not_sure']
    self_tests == 'yes' and thomas_test == 'above_horizontal'
    min(knee_to_wall_left_cm, knee_to_wall_right_cm) < 9
    (balance_left_s + balance_right_s) / 2 < 20
    answered(balance_left_s) and count('not_sure') >= 3

Names are question ids (and, where the caller allows, score ids, finding ids or
``referral_level``). Dividing by zero gives no value, like an unanswered question.
Every name, type and choice id is checked at compile time against the definitions, so a
misspelled id is an error with a suggestion instead of a condition that is silently false.
An unanswered (or skipped) question makes any comparison that uses it false.

Numbers written in a condition lie within +-10^15 (`MAX_NUMBER`). A calculation whose result
is not a finite number a float can hold (a long product of large answers) counts as
unanswered too, so a condition that compiles is True or False for every valid answer and
never raises (`condition_eval`).

This module reads the text and parses it; `condition_checker` checks the tree and builds the
closures of `condition_eval`; `condition_types` holds what they share.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping

from kinecheck.definitions.condition_checker import Checker
from kinecheck.definitions.condition_types import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NUMBER,
    MAX_NUMBER_EXPONENT,
    Condition,
    ConditionError,
    Symbol,
    number_too_large,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NUMBER",
    "Condition",
    "ConditionError",
    "Symbol",
    "compile_condition",
]

# Whitespace a YAML block scalar or a pasted condition may hold; it is one expression all the same.
_SPACES = str.maketrans({"\r": " ", "\n": " ", "\t": " "})


def compile_condition(
    source: str, symbols: Mapping[str, Symbol], all_choices: frozenset[str] = frozenset()
) -> Condition:
    """Parse, type-check and compile one condition; raise ConditionError when it is wrong."""
    text = source.strip().replace("\r\n", " ").translate(_SPACES)
    if not text:
        raise ConditionError("the condition is empty", "write a test such as age >= 18")
    if len(text) > MAX_LENGTH:
        raise ConditionError(
            f"the condition is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
            "split it into several rules",
        )
    if not text.isprintable():  # a null byte, an escape, a non-breaking space...
        at, char = next((i, c) for i, c in enumerate(text) if not c.isprintable())
        raise ConditionError(
            f"the condition holds an invisible control character (U+{ord(char):04X}) "
            f"at column {at + 1}",
            "delete it, or type the condition again with ordinary spaces",
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(text, exc) from None
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise ConditionError(
            f"the condition nests more than {MAX_DEPTH} levels deep", "split it into several rules"
        )
    checker = Checker(symbols, all_choices, text)
    fn = checker.boolean(tree.body)
    names = tuple(dict.fromkeys(checker.names))
    return Condition(source=text, names=names, evaluate=fn)


def _syntax_error(text: str, exc: SyntaxError) -> ConditionError:
    """Our words for text Python cannot parse, naming the column where it went wrong."""
    huge = _huge_integer(text)
    if huge is not None:  # Python refuses integers longer than it converts (4,300 digits)
        return number_too_large(huge)
    if exc.offset and 0 < exc.offset <= len(text):
        col = f" at column {exc.offset}"
    else:
        col = " at the end"
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ConditionError(
        f"'{shown}' is not a valid condition{col}: {exc.msg}",
        "quote choice ids ('yes'), use == to compare, and/or/not to combine",
    )


def _huge_integer(text: str) -> str | None:
    """The first whole number written with more digits than MAX_NUMBER has, else None.

    Only looked for once parsing failed, so a valid condition pays nothing for it.
    """
    longest = MAX_NUMBER_EXPONENT + 1  # 10^15 has 16 digits
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            digits = token.string.replace("_", "")
            whole = token.type == tokenize.NUMBER and digits.isdigit()
            if whole and len(digits.lstrip("0")) > longest:
                return token.string
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _depth(tree: ast.AST) -> int:
    """How deeply the expression nests (iteratively, so a hostile condition cannot crash it)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest

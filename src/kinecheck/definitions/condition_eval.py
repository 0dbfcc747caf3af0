"""What runs for every answer set: the closures a checked condition is built from.

Conditions run once per answer set (thousands of times in a batch), so each closure does the
least it can: no generator, no Python frame for a name look-up where a C one will do.

They are also total: for every answer a question accepts, a condition is True or False and
never raises. The only way a value could go wrong is arithmetic, so every `+`, `-`, `*` and
`/` result is checked where it is made: one that is not a finite number within the range of a
float (an overflow, from a long product of large answers), and a division by zero, count as
no value at all, exactly like an unanswered question, so every comparison that uses it is
false. Every value a
calculation passes on therefore fits in a float, and an int never has to become one it cannot.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from kinecheck.definitions.condition_types import DECIMALS, Answers, Fn, Typed

LARGEST = sys.float_info.max  # beyond this a result is no value (see the module's docstring)


def arithmetic(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """`left OP right`, rounded to DECIMALS places, or None when a side or the result is none."""

    def fn(a: Answers) -> Any:
        x, y = left(a), right(a)
        if x is None or y is None:
            return None
        try:
            result = op(x, y)
        except OverflowError:  # an int beyond floats met a float (never from checked values)
            return None
        except ZeroDivisionError:  # `x / 0` has no value, like an unanswered question
            return None
        if type(result) is float:
            if result - result != 0.0:  # inf or nan: an overflow, or one passed in
                return None
            # Answers are typed in decimals; binary floats would make 9.7 - 7.7 >= 2 false.
            return round(result, DECIMALS)
        return result if -LARGEST <= result <= LARGEST else None

    return fn


def negated(inner: Fn, sign: int) -> Fn:
    """`-x` (sign -1) or `+x` (sign 1); None stays None."""
    return lambda a: None if (v := inner(a)) is None else sign * v


def absolute(inner: Fn) -> Fn:
    """`abs(x)`; None stays None."""
    return lambda a: None if (v := inner(a)) is None else abs(v)


def extreme(fns: tuple[Fn, ...], pick: Callable[..., Any]) -> Fn:
    """`min(...)` or `max(...)` of the values that are there; None when none is."""

    def fn(a: Answers) -> Any:
        values = [v for f in fns if (v := f(a)) is not None]
        return pick(values) if values else None

    return fn


def counter(value: str, others: frozenset[str]) -> Fn:
    """`count('value')`: how many answers are `value` or hold it, ignoring the names in `others`.

    In referral and plan rules the mapping also holds finding levels and the referral level,
    whose 'none' must not count as a 'none' answer.
    """

    def fn(a: Answers) -> int:
        n = 0  # a plain loop: about twice as fast as sum() over a generator
        for k, v in a.items():
            if (v == value or (type(v) is list and value in v)) and k not in others:
                n += 1
        return n

    return fn


def in_multi(value: str, right: Typed, negate: bool) -> Callable[[Answers], bool]:
    """`'value' in multi` (or `not in`): false when the question was not answered."""
    if right.name is not None and not negate:
        name = right.name

        def in_named_multi(a: Answers) -> bool:
            chosen = a.get(name)
            return chosen is not None and value in chosen

        return in_named_multi
    get = right.fn

    def in_any_multi(a: Answers) -> bool:
        chosen = get(a)
        return chosen is not None and ((value in chosen) != negate)

    return in_any_multi


def in_list(left: Fn, options: frozenset[str], negate: bool) -> Callable[[Answers], bool]:
    """`choice in ['a', 'b']` (or `not in`): false when the question was not answered."""

    def fn(a: Answers) -> bool:
        v = left(a)
        return v is not None and ((v in options) != negate)

    return fn


def compare_fn(
    compare: Callable[[Any, Any], bool], left: Typed, right: Typed
) -> Callable[[Answers], bool]:
    """Build the closure for one comparison, with a fast path for `name OP constant`."""
    if left.name is not None and right.literal is not None:
        name, const = left.name, right.literal

        def name_vs_const(a: Answers) -> bool:
            v = a.get(name)
            return v is not None and compare(v, const)

        return name_vs_const
    if left.literal is not None and right.name is not None:  # `5 <= hours` in a chain
        const, name = left.literal, right.name

        def const_vs_name(a: Answers) -> bool:
            v = a.get(name)
            return v is not None and compare(const, v)

        return const_vs_name
    lf, rf = left.fn, right.fn
    if right.literal is not None:  # `min(x, y) >= 12`, `x - y >= 2`
        const = right.literal

        def value_vs_const(a: Answers) -> bool:
            x = lf(a)
            return x is not None and compare(x, const)

        return value_vs_const

    def general(a: Answers) -> bool:
        x = lf(a)
        if x is None:
            return False
        y = rf(a)
        return y is not None and compare(x, y)

    return general


def all_of(parts: tuple[Fn, ...]) -> Fn:
    """`p and q and ...` over compiled tests, without a generator per evaluation."""
    if len(parts) == 2:
        first, second = parts
        return lambda a: first(a) and second(a)

    def every(a: Answers) -> bool:
        for p in parts:  # noqa: SIM110 - all() would build a generator per evaluation
            if not p(a):
                return False
        return True

    return every


def any_of(parts: tuple[Fn, ...]) -> Fn:
    """`p or q or ...` over compiled tests, without a generator per evaluation."""
    if len(parts) == 2:
        first, second = parts
        return lambda a: first(a) or second(a)

    def some(a: Answers) -> bool:
        for p in parts:  # noqa: SIM110 - any() would build a generator per evaluation
            if p(a):
                return True
        return False

    return some

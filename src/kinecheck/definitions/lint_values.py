"""A condition evaluated on sets of answers at once, for the linter: True, False, or both.

The linter (`kinecheck.definitions.lint`) asks whether a condition can ever hold, or always
holds, over every answer set a questionnaire allows. It reads the condition again from its
source (it compiled, so every name and type is right) and evaluates it here on *abstract*
answers: each name stands for a set of values (choice ids, picked subsets, an interval of
numbers, or no answer at all), and the result is the set of truth values the condition can
take for the answers in those sets.

The evaluation is sound: whatever the real condition (`condition_eval`) gives for an answer in
the sets is in the result, so the linter never claims "never" or "always" wrongly. Where it
cannot tell (arithmetic on intervals, a choice compared with another choice) it answers "both",
and the linter says nothing. Comparing an interval that lies between the constants of a
condition with one of them is exact, which is why `lint_space` cuts number ranges there.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

TRUE, FALSE = frozenset({True}), frozenset({False})
BOTH = TRUE | FALSE
TRUE_NAMES = {"true": True, "True": True, "false": False, "False": False}
# A text answer equal to none of the quoted values of the conditions read (a text question
# holds anything a person typed; only its equality with those values can matter).
OTHER_TEXT = "\x00any other text"
# Arithmetic results are rounded to 9 decimals (`condition_eval`): an interval is widened by
# more than that, so the rounded value always lies inside it.
_ROUNDING = 1e-9
_LARGE = 1e300  # beyond this a result may overflow, which gives no value


class Unsure(Exception):
    """The evaluation cannot say anything useful (an unexpected form): the linter stays silent."""


@dataclass(frozen=True)
class Span:
    """The numbers from `lo` to `hi`; an open end leaves that end out. Never empty."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def holds(self, x: float) -> bool:
        """True when x lies in the span."""
        above = self.lo < x or (self.lo == x and not self.lo_open)
        return above and (x < self.hi or (x == self.hi and not self.hi_open))


EVERYWHERE = Span(-math.inf, math.inf, True, True)


@dataclass(frozen=True)
class Num:
    """The numbers a value may be (`span`, None when it is never a number) and if it may be none."""

    span: Span | None
    none: bool


@dataclass(frozen=True)
class Words:
    """A single choice, a yes/no, a text, a finding's or the referral level, or a quoted value."""

    values: frozenset[str | None]


@dataclass(frozen=True)
class Picks:
    """The choices a multiple choice may hold together (each set), or None: not answered."""

    values: frozenset[frozenset[str] | None]


@dataclass(frozen=True)
class Truth:
    """A true/false test: the truth values it can take."""

    values: frozenset[bool]


@dataclass(frozen=True)
class Listed:
    """A list of quoted choice ids, as in `x in ['a', 'b']`."""

    values: frozenset[str]


Value = Num | Words | Picks | Truth | Listed
NO_NUMBER = Num(None, True)


def point(x: float) -> Num:
    """One number, always there."""
    return Num(Span(x, x), False)


# -- comparing spans ----------------------------------------------------------------------------


def _can_less(a: Span, b: Span, or_equal: bool) -> bool:
    """True when some x in a and y in b have x < y (x <= y with `or_equal`)."""
    if a.lo < b.hi:
        return True
    return or_equal and a.lo == b.hi and not a.lo_open and not b.hi_open


def _can_equal(a: Span, b: Span) -> bool:
    lo, hi = max(a.lo, b.lo), min(a.hi, b.hi)
    if lo < hi:
        return True
    return lo == hi and a.holds(lo) and b.holds(lo)


_CAN: dict[type[ast.cmpop], Callable[[Span, Span], bool]] = {
    ast.Lt: lambda a, b: _can_less(a, b, False),
    ast.LtE: lambda a, b: _can_less(a, b, True),
    ast.Gt: lambda a, b: _can_less(b, a, False),
    ast.GtE: lambda a, b: _can_less(b, a, True),
    ast.Eq: _can_equal,
    ast.NotEq: lambda a, b: not (a.lo == a.hi == b.lo == b.hi),
}
_OPPOSITE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}


def compare_numbers(op: type[ast.cmpop], left: Num, right: Num) -> frozenset[bool]:
    """The truth values of `left OP right`; no value on either side makes it false."""
    out: set[bool] = set()
    if left.none or right.none:
        out.add(False)
    if left.span is not None and right.span is not None:
        if _CAN[op](left.span, right.span):
            out.add(True)
        if _CAN[_OPPOSITE[op]](left.span, right.span):
            out.add(False)
    return frozenset(out)


# -- arithmetic on spans ------------------------------------------------------------------------


def _bounded(lo: float, hi: float, none: bool) -> Num:
    """A result from lo to hi, widened past rounding; one that may overflow may be none."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or max(abs(lo), abs(hi)) > _LARGE:
        return Num(EVERYWHERE, True)
    return Num(Span(lo - _ROUNDING - abs(lo) * 1e-12, hi + _ROUNDING + abs(hi) * 1e-12), none)


def arithmetic(op: ast.operator, a: Num, b: Num) -> Num:
    """`a OP b` for + - * /: none when a side is none, or a division is by zero."""
    if a.span is None or b.span is None:
        return NO_NUMBER
    none = a.none or b.none
    x, y = a.span, b.span
    if isinstance(op, ast.Add):
        return _bounded(x.lo + y.lo, x.hi + y.hi, none)
    if isinstance(op, ast.Sub):
        return _bounded(x.lo - y.hi, x.hi - y.lo, none)
    if isinstance(op, ast.Div):
        if y.lo <= 0 <= y.hi:  # by zero (no value), or by numbers as near it as may be
            return NO_NUMBER if y.lo == y.hi else Num(EVERYWHERE, True)
        ends = [p / q for p in (x.lo, x.hi) for q in (y.lo, y.hi)]
    elif isinstance(op, ast.Mult):
        ends = [p * q for p in (x.lo, x.hi) for q in (y.lo, y.hi)]
    else:
        raise Unsure(f"operator {type(op).__name__}")
    if any(math.isnan(e) for e in ends):
        return Num(EVERYWHERE, True)
    return _bounded(min(ends), max(ends), none)


def negate(a: Num) -> Num:
    """`-a`."""
    if a.span is None:
        return a
    s = a.span
    return Num(Span(-s.hi, -s.lo, s.hi_open, s.lo_open), a.none)


def absolute(a: Num) -> Num:
    """`abs(a)`."""
    if a.span is None:
        return a
    s = a.span
    if s.lo >= 0:
        return a
    if s.hi <= 0:
        return negate(a)
    return Num(Span(0, max(-s.lo, s.hi)), a.none)


def extreme(args: Sequence[Num], lowest: bool) -> Num:
    """`min(...)` (lowest) or `max(...)` of the values that are there; none when none is."""
    present = [a for a in args if a.span is not None]
    none = all(a.none for a in args)
    if not present:
        return NO_NUMBER
    spans = [a.span for a in present if a.span is not None]
    always = [a.span for a in present if a.span is not None and not a.none]
    if lowest:  # below by the lowest of all; above by the lowest of those always there
        lo = min(s.lo for s in spans)
        hi = min(s.hi for s in always) if always else max(s.hi for s in spans)
    else:
        hi = max(s.hi for s in spans)
        lo = max(s.lo for s in always) if always else min(s.lo for s in spans)
    return Num(Span(lo, hi), none)


# -- the evaluator ------------------------------------------------------------------------------


class Evaluator:
    """Evaluates condition trees on one abstract answer set (`env`: name -> its values).

    `counted` are the names whose answers `count('...')` counts: the questions in `env`.
    """

    def __init__(self, env: Mapping[str, Value], counted: Sequence[str] = ()) -> None:
        self.env = env
        self.counted = counted

    def truth(self, node: ast.AST) -> frozenset[bool]:
        """The truth values a true/false test can take."""
        value = self.value(node)
        if not isinstance(value, Truth):
            raise Unsure("not a test")
        return value.values

    def number(self, node: ast.AST) -> Num:
        """The numbers a part can be."""
        value = self.value(node)
        if not isinstance(value, Num):
            raise Unsure("not a number")
        return value

    def value(self, node: ast.AST) -> Value:
        """What a part of a condition can be."""
        if isinstance(node, ast.Name):
            found = self.env.get(node.id)
            if found is not None:
                return found
            if node.id in TRUE_NAMES:
                return Truth(frozenset({TRUE_NAMES[node.id]}))
            raise Unsure(f"unknown name {node.id}")
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.List | ast.Tuple):
            return Listed(frozenset(_text(e) for e in node.elts))
        if isinstance(node, ast.BoolOp):
            return Truth(self._logic(node))
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.BinOp):
            return arithmetic(node.op, self.number(node.left), self.number(node.right))
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node.func.id, node.args)
        raise Unsure(type(node).__name__)

    def _logic(self, node: ast.BoolOp) -> frozenset[bool]:
        """`and` / `or`, stopping at the first part that decides it (the real one stops too)."""
        deciding = FALSE if isinstance(node.op, ast.And) else TRUE
        parts = []
        for part in node.values:
            truth = self.truth(part)
            if truth == deciding:
                return deciding
            parts.append(truth)
        return _logic(node.op, parts)

    def _unary(self, node: ast.UnaryOp) -> Value:
        if isinstance(node.op, ast.Not):
            return Truth(frozenset(not v for v in self.truth(node.operand)))
        inner = self.number(node.operand)
        return negate(inner) if isinstance(node.op, ast.USub) else inner

    def _compare(self, node: ast.Compare) -> Truth:
        operands = [self.value(node.left), *(self.value(c) for c in node.comparators)]
        parts = [_pair(type(op), operands[i], operands[i + 1]) for i, op in enumerate(node.ops)]
        return Truth(_logic(ast.And(), parts))

    def _call(self, name: str, args: list[ast.expr]) -> Value:
        if name == "answered":
            return Truth(_answered(self.value(args[0])))
        if name in ("min", "max"):
            return extreme([self.number(a) for a in args], lowest=name == "min")
        if name == "abs":
            return absolute(self.number(args[0]))
        if name == "count":
            return self._count(_text(args[0]))
        raise Unsure(f"function {name}")

    def _count(self, wanted: str) -> Num:
        """How many of the counted answers are `wanted` or hold it: a range."""
        low = high = 0
        for name in self.counted:
            value = self.env.get(name)
            if isinstance(value, Words):
                can_be, can_miss = wanted in value.values, any(v != wanted for v in value.values)
            elif isinstance(value, Picks):
                can_be = any(p is not None and wanted in p for p in value.values)
                can_miss = any(p is None or wanted not in p for p in value.values)
            else:
                continue
            low += 0 if can_miss else 1
            high += 1 if can_be else 0
        return Num(Span(low, high), False)


def _constant(value: object) -> Value:
    if isinstance(value, bool):
        return Truth(frozenset({value}))
    if isinstance(value, int | float):
        return point(value)
    if isinstance(value, str):
        return Words(frozenset({value}))
    raise Unsure(f"constant {value!r}")


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise Unsure("not a quoted value")


def _logic(op: ast.boolop, parts: Sequence[frozenset[bool]]) -> frozenset[bool]:
    """`and` / `or` of parts that may each take several values (taken as independent)."""
    out: set[bool] = set()
    if isinstance(op, ast.And):
        if all(True in p for p in parts):
            out.add(True)
        if any(False in p for p in parts):
            out.add(False)
    else:
        if any(True in p for p in parts):
            out.add(True)
        if all(False in p for p in parts):
            out.add(False)
    return frozenset(out)


def _answered(value: Value) -> frozenset[bool]:
    if isinstance(value, Num):
        return frozenset(
            ({True} if value.span is not None else set()) | ({False} if value.none else set())
        )
    if isinstance(value, Words | Picks):
        return frozenset(v is not None for v in value.values)
    raise Unsure("answered() of a test")


def _pair(op: type[ast.cmpop], left: Value, right: Value) -> frozenset[bool]:
    """One comparison of a chain, as `condition_eval.compare_fn` and its kin run it."""
    if op in (ast.In, ast.NotIn):
        return _membership(op is ast.NotIn, left, right)
    if isinstance(left, Num) and isinstance(right, Num):
        return compare_numbers(op, left, right)
    if op not in (ast.Eq, ast.NotEq):
        raise Unsure("an order between values that are not numbers")
    equal = op is ast.Eq
    out: set[bool] = set()
    if isinstance(left, Truth) and isinstance(right, Truth):
        return frozenset((x == y) == equal for x in left.values for y in right.values)
    if not (isinstance(left, Words) and isinstance(right, Words)):
        raise Unsure("a comparison of different kinds")
    for x in left.values:
        for y in right.values:
            if x is None or y is None:
                out.add(False)  # an unanswered question makes a comparison false
            elif x == OTHER_TEXT and y == OTHER_TEXT:
                out.update((True, False))
            else:
                out.add((x == y) == equal)
    return frozenset(out)


def _membership(negated: bool, left: Value, right: Value) -> frozenset[bool]:
    """`'a' in multi` or `choice in ['a', 'b']` (or `not in`): false when unanswered."""
    out: set[bool] = set()
    if isinstance(left, Words) and isinstance(right, Picks):
        for wanted in left.values:
            for picked in right.values:
                out.add(picked is not None and wanted is not None and (wanted in picked) != negated)
        return frozenset(out)
    if isinstance(left, Words) and isinstance(right, Listed):
        for v in left.values:
            out.add(v is not None and (v in right.values) != negated)
        return frozenset(out)
    raise Unsure("an 'in' test of other kinds")

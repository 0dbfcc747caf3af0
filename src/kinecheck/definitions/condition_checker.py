"""Checking a parsed condition: every node allowed, every name, type and choice id known.

The checker walks the syntax tree once. Each node either becomes a `Typed` part (its kind
and the closure from `condition_eval` that computes it) or raises a `ConditionError` that
says what is wrong and how to write it instead, so a misspelt id is an error with a
suggestion rather than a condition that is silently false. Only the nodes in
`_ALLOWED_NODES` are ever dispatched to: nothing else can run.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from kinecheck.definitions import condition_eval as run
from kinecheck.definitions.condition_types import (
    FUNCTIONS,
    KIND_WORDS,
    MAX_NUMBER,
    Answers,
    ConditionError,
    Fn,
    Symbol,
    Typed,
    number_too_large,
)
from kinecheck.errors import afford, did_you_mean

_ORDER_OPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_EQ_OPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,  # by zero, or by no value: no value (condition_eval.arithmetic)
}
_OP_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_ALLOWED_NODES = frozenset(
    {"Name", "Constant", "List", "Tuple", "BoolOp", "UnaryOp", "BinOp", "Compare", "Call"}
)
_FORBIDDEN_WORDS = {
    "Attribute": "attribute access (.)",
    "Subscript": "indexing ([...])",
    "Lambda": "a lambda",
    "ListComp": "a comprehension",
    "SetComp": "a comprehension",
    "DictComp": "a comprehension",
    "GeneratorExp": "a comprehension",
    "JoinedStr": "an f-string",
    "NamedExpr": "assignment (:=)",
    "IfExp": "if/else",
    "Dict": "a mapping ({...})",
    "Set": "a set ({...})",
    "Starred": "unpacking (*)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Slice": "slicing",
}


class Checker:
    """Type-checks one parsed condition and builds its closures; `names` are the names used."""

    def __init__(self, symbols: Mapping[str, Symbol], all_choices: frozenset[str], text: str):
        self.symbols = symbols
        self.all_choices = all_choices
        self.text = text  # the source, to show a number as it was written
        self.names: list[str] = []

    # -- entry -------------------------------------------------------------------------------
    def compile(self, node: ast.AST) -> Typed:
        """The checked part for any node; an error for a node the language does not have."""
        kind = type(node).__name__
        if kind not in _ALLOWED_NODES:  # an explicit list: nothing else is ever dispatched to
            what = _FORBIDDEN_WORDS.get(kind)
            raise ConditionError(
                f"{what} is not allowed in a condition: {ast.unparse(node)}"
                if what
                else f"'{ast.unparse(node)}' is not allowed in a condition",
                "use names, numbers, 'text', lists, comparisons, and/or/not, + - * /, "
                "and the functions " + ", ".join(FUNCTIONS),
            )
        result: Typed = getattr(self, "_" + kind)(node)
        return result

    def boolean(self, node: ast.AST) -> Fn:
        """The closure of a node that must be a true/false test."""
        t = self.compile(node)
        if t.kind != "bool":
            raise ConditionError(
                f"{_quoted(node)} is {KIND_WORDS[t.kind]}, not a true/false test",
                _test_hint(t, ast.unparse(node)),
            )
        return t.fn

    # -- leaves ------------------------------------------------------------------------------
    def _Name(self, node: ast.Name) -> Typed:
        name = node.id
        sym = self.symbols.get(name)
        if sym is None:
            if name in ("true", "True"):
                return Typed(lambda a: True, "bool")
            if name in ("false", "False"):
                return Typed(lambda a: False, "bool")
            if name in self.all_choices:  # `parq_4 == yes`: a choice id written without quotes
                raise ConditionError(
                    f"unknown name '{name}'",
                    f"'{name}' is a choice id: quote it, as in {self._quoted_name(node)}",
                    name=name,
                )
            raise ConditionError(
                f"unknown name '{name}'",
                did_you_mean(name, self.symbols) or _names_hint(self.symbols),
                name=name,
            )
        self.names.append(name)
        # a C-level `a.get(name)`: no Python frame per lookup (conditions run per answer set)
        fn: Fn = operator.methodcaller("get", name)
        return Typed(fn, sym.kind, sym.choices, name=name)

    def _quoted_name(self, node: ast.Name) -> str:
        """The comparison with this bare name in quotes (`parq_4 == 'yes'`), or the name."""
        quoted = f"'{node.id}'"
        start = node.col_offset
        if self.text[start : start + len(node.id)] != node.id:  # offsets count UTF-8 bytes
            return quoted
        before = re.search(r"[A-Za-z_]\w*\s*(?:==|!=)\s*$", self.text[:start])
        return (before.group(0) if before else "") + quoted

    def _Constant(self, node: ast.Constant) -> Typed:
        value = node.value
        if isinstance(value, bool):
            return Typed(lambda a: value, "bool", literal=value)
        if isinstance(value, int | float):
            if not -MAX_NUMBER <= value <= MAX_NUMBER:  # false for inf and nan as well
                raise number_too_large(ast.get_source_segment(self.text, node) or repr(value))
            return Typed(lambda a: value, "number", literal=value)
        if isinstance(value, str):
            return Typed(lambda a: value, "str", literal=value)
        raise ConditionError(f"the value {value!r} is not allowed in a condition")

    def _List(self, node: ast.List | ast.Tuple) -> Typed:
        values: list[str] = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                raise ConditionError(
                    f"lists may only hold quoted choice ids, not '{ast.unparse(elt)}'"
                )
            values.append(elt.value)
        frozen = frozenset(values)
        return Typed(lambda a: frozen, "strlist", literal=values)

    _Tuple = _List

    # -- logic -------------------------------------------------------------------------------
    def _BoolOp(self, node: ast.BoolOp) -> Typed:
        parts = tuple(self.boolean(v) for v in node.values)
        if isinstance(node.op, ast.And):
            return Typed(run.all_of(parts), "bool")
        return Typed(run.any_of(parts), "bool")

    def _UnaryOp(self, node: ast.UnaryOp) -> Typed:
        if isinstance(node.op, ast.Not):
            inner = self.boolean(node.operand)
            return Typed(lambda a: not inner(a), "bool")
        if isinstance(node.op, ast.USub | ast.UAdd):
            t = self._number(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            if t.literal is not None:
                value = sign * t.literal
                return Typed(lambda a: value, "number", literal=value)
            return Typed(run.negated(t.fn, sign), "number")
        raise ConditionError(f"'{ast.unparse(node)}' is not allowed in a condition")

    def _BinOp(self, node: ast.BinOp) -> Typed:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise ConditionError(
                f"'{ast.unparse(node)}': only +, -, * and / are allowed in a condition"
            )
        left, right = self._number(node.left).fn, self._number(node.right).fn
        return Typed(run.arithmetic(op, left, right), "number")

    def _number(self, node: ast.AST) -> Typed:
        t = self.compile(node)
        if t.kind != "number":
            raise ConditionError(f"{_describe(t)} is used where a number is needed")
        return t

    # -- comparisons -------------------------------------------------------------------------
    def _Compare(self, node: ast.Compare) -> Typed:
        if any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            raise ConditionError(
                "'is' is not allowed in a condition",
                "use == or != to compare, and answered(question) to test for an answer",
            )
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]
        tests = [self._pair(op, operands[i], operands[i + 1]) for i, op in enumerate(node.ops)]
        if len(tests) == 1:
            return Typed(tests[0], "bool")
        return Typed(run.all_of(tuple(tests)), "bool")

    def _pair(self, op: ast.cmpop, left: Typed, right: Typed) -> Callable[[Answers], bool]:
        if isinstance(op, ast.In | ast.NotIn):
            return self._membership(op, left, right)
        compare = _ORDER_OPS.get(type(op))
        if compare is not None:
            for side in (left, right):
                if side.kind != "number":
                    raise ConditionError(
                        f"'{_OP_TEXT[type(op)]}' compares numbers, "
                        f"but {_describe(side)} is not one",
                        _order_hint(side),
                    )
        else:
            compare = _EQ_OPS[type(op)]
            self._check_equality(left, right)
        return run.compare_fn(compare, left, right)

    def _check_equality(self, left: Typed, right: Typed) -> None:
        kinds = {left.kind, right.kind}
        if kinds == {"number"} or kinds == {"bool"}:
            return
        if kinds <= {"choice", "str", "text"} and kinds != {"str"}:
            for named, lit in ((left, right), (right, left)):
                if named.kind == "choice" and lit.kind == "str":
                    self._check_choice(named, lit.literal)
            return
        if "multi" in kinds:
            multi = left if left.kind == "multi" else right
            other = right if multi is left else left
            example = other.literal if other.kind == "str" else "choice"
            raise ConditionError(
                f"{_describe(multi)} holds several answers and cannot be compared with ==",
                f"write '{example}' in {multi.name}",
            )
        raise ConditionError(
            f"cannot compare {_describe(left)} with {_describe(right)}", _equality_hint(left, right)
        )

    def _membership(self, op: ast.cmpop, left: Typed, right: Typed) -> Callable[[Answers], bool]:
        negate = isinstance(op, ast.NotIn)
        if right.kind == "multi" and left.kind == "str":
            self._check_choice(right, left.literal)
            return run.in_multi(left.literal, right, negate)
        if right.kind == "strlist" and left.kind in ("choice", "text"):
            for v in right.literal:
                if left.kind == "choice":
                    self._check_choice(left, v)
            return run.in_list(left.fn, frozenset(right.literal), negate)
        raise ConditionError(
            f"cannot test {_describe(left)} 'in' {_describe(right)}",
            "write 'choice' in multi_question, or single_question in ['a', 'b']",
        )

    def _check_choice(self, named: Typed, value: str) -> None:
        if named.choices and value not in named.choices:
            raise ConditionError(
                f"'{value}' is not a choice of '{named.name}'",
                did_you_mean(value, named.choices) or _choices_hint(named.choices),
            )

    # -- functions ---------------------------------------------------------------------------
    def _Call(self, node: ast.Call) -> Typed:
        if not isinstance(node.func, ast.Name):
            raise ConditionError(
                f"'{ast.unparse(node)}' is not allowed in a condition",
                "only these functions can be called, by name: " + ", ".join(FUNCTIONS),
            )
        if node.func.id not in FUNCTIONS:
            name = ast.unparse(node.func)
            raise ConditionError(
                f"unknown function '{name}'",
                did_you_mean(name, FUNCTIONS) or "functions: " + ", ".join(FUNCTIONS),
            )
        if node.keywords:
            raise ConditionError(f"{node.func.id}() takes no keyword arguments")
        return getattr(self, "_fn_" + node.func.id)(node.args)  # type: ignore[no-any-return]

    def _fn_answered(self, args: list[ast.expr]) -> Typed:
        if len(args) != 1 or not isinstance(args[0], ast.Name):
            raise ConditionError("answered() takes one question id, e.g. answered(age)")
        get = self.compile(args[0]).fn
        return Typed(lambda a: get(a) is not None, "bool")

    def _fn_min(self, args: list[ast.expr]) -> Typed:
        return self._extreme(args, min)

    def _fn_max(self, args: list[ast.expr]) -> Typed:
        return self._extreme(args, max)

    def _extreme(self, args: list[ast.expr], pick: Callable[..., Any]) -> Typed:
        if not args:
            raise ConditionError(f"{pick.__name__}() needs at least one number")
        return Typed(run.extreme(tuple(self._number(arg).fn for arg in args), pick), "number")

    def _fn_abs(self, args: list[ast.expr]) -> Typed:
        if len(args) != 1:
            raise ConditionError("abs() takes one number")
        return Typed(run.absolute(self._number(args[0]).fn), "number")

    def _fn_count(self, args: list[ast.expr]) -> Typed:
        if len(args) != 1 or not (
            isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
        ):
            raise ConditionError("count() takes one quoted choice id, e.g. count('not_sure')")
        value = args[0].value
        if self.all_choices and value not in self.all_choices:
            raise ConditionError(
                f"'{value}' is not a choice of any question", did_you_mean(value, self.all_choices)
            )
        others = frozenset(n for n, s in self.symbols.items() if s.description != "question")
        return Typed(run.counter(value, others), "number")


# -- words for errors -----------------------------------------------------------------------


def _describe(t: Typed) -> str:
    if t.name:
        return f"'{t.name}' ({KIND_WORDS[t.kind]})"
    if t.literal is not None:
        return f"{t.literal!r} ({KIND_WORDS[t.kind]})"
    return KIND_WORDS[t.kind]


def _quoted(node: ast.AST) -> str:
    """The source of a node in quotes, without doubling the quotes of a text value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return repr(node.value)
    return f"'{ast.unparse(node)}'"


def _example_choice(t: Typed) -> str:
    """A real choice id of `t` to show in a hint ('yes' where there is one)."""
    if "yes" in t.choices or not t.choices:
        return "yes"
    return sorted(t.choices)[0]


def _test_hint(t: Typed, text: str) -> str | None:
    """How to turn a value that is not true/false into a test."""
    if t.kind == "choice":
        return f"compare it, for example {text} == '{_example_choice(t)}'"
    if t.kind == "multi":
        return f"test one choice, for example '{_example_choice(t)}' in {text}"
    if t.kind == "number":
        return f"compare it, for example {text} >= 1"
    if t.kind == "text":
        return f"use answered({text}) to test that it was answered"
    return None


def _order_hint(side: Typed) -> str | None:
    """How to test a non-number where someone used <, <=, > or >=."""
    if side.kind == "choice" and side.name:
        example = _example_choice(side)
        return f"a choice has no order: test {side.name} == '{example}' or {side.name} in [...]"
    if side.kind == "str":
        return "write numbers without quotes, e.g. age >= 18"
    return None


def _equality_hint(left: Typed, right: Typed) -> str | None:
    """How to fix == or != between values of different kinds."""
    for named, other in ((left, right), (right, left)):
        if named.name and named.kind == "number" and other.kind == "str":
            return f"'{named.name}' is a number: compare it with a number, e.g. {named.name} >= 18"
        if named.name and named.kind == "choice" and other.kind == "number" and not other.name:
            return f"choice ids are quoted text, e.g. {named.name} == '{_example_choice(named)}'"
    return None


def _choices_hint(choices: frozenset[str]) -> str:
    if not afford(len(choices)):
        return f"it has {len(choices)} choices; check the spelling"
    return "choices: " + ", ".join(sorted(choices))


def _names_hint(symbols: Mapping[str, Symbol]) -> str:
    if not afford(len(symbols)):  # thousands of names, thousands of misspellings: stop listing
        return f"{len(symbols)} names are known here; check the spelling"
    names = sorted(symbols)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"known names: {shown}"

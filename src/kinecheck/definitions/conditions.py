"""A small, safe condition language, compiled once into Python closures.

Conditions are restricted Python expressions parsed with :mod:`ast` (never ``eval``)::

    sitting_hours >= 8
    5 <= sitting_hours < 8
    'calf_swelling' in red_flags
    current_injury in ['yes', 'not_sure']
    self_tests == 'yes' and thomas_test == 'above_horizontal'
    min(knee_to_wall_left_cm, knee_to_wall_right_cm) < 9
    answered(balance_left_s) and count('not_sure') >= 3

Names are question ids (and, where the caller allows, finding ids or ``referral_level``).
Every name, type and choice id is checked at compile time against the definitions, so a
misspelled id is an error with a suggestion instead of a condition that is silently false.
An unanswered (or skipped) question makes any comparison that uses it false.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kinecheck.errors import did_you_mean

Kind = Literal["number", "choice", "multi", "text", "bool", "str", "strlist"]
Answers = Mapping[str, Any]
Fn = Callable[[Answers], Any]


@dataclass(frozen=True)
class Symbol:
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


@dataclass(frozen=True)
class Condition:
    """A compiled condition: call it with answers to get True or False."""

    source: str
    names: tuple[str, ...]
    evaluate: Callable[[Answers], bool] = field(repr=False, compare=False)

    def __call__(self, answers: Answers) -> bool:
        """Evaluate the condition on a mapping of answers."""
        return self.evaluate(answers)


@dataclass(frozen=True)
class _Typed:
    fn: Fn
    kind: Kind
    choices: frozenset[str] = frozenset()
    name: str | None = None  # set when the expression is a bare name
    literal: Any = None  # set when the expression is a constant


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
FUNCTIONS = ("answered", "min", "max", "abs", "count")
MAX_LENGTH = 2000  # characters; the longest shipped condition is about 200
DECIMALS = 9  # arithmetic results are rounded to this many places (answers have a few)
MAX_DEPTH = 40  # nested operators; deeper trees would exhaust the stack when compiled or run


def _describe(t: _Typed) -> str:
    if t.name:
        return f"'{t.name}' ({_KIND_WORDS[t.kind]})"
    if t.literal is not None:
        return f"{t.literal!r} ({_KIND_WORDS[t.kind]})"
    return _KIND_WORDS[t.kind]


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

_KIND_WORDS: dict[Kind, str] = {
    "number": "a number",
    "choice": "a single choice",
    "multi": "a multiple choice",
    "text": "free text",
    "bool": "true/false",
    "str": "a text value",
    "strlist": "a list of text values",
}


class _Compiler:
    def __init__(self, symbols: Mapping[str, Symbol], all_choices: frozenset[str]) -> None:
        self.symbols = symbols
        self.all_choices = all_choices
        self.names: list[str] = []

    # -- entry -------------------------------------------------------------------------------
    def compile(self, node: ast.AST) -> _Typed:
        kind = type(node).__name__
        if kind not in _ALLOWED_NODES:  # an explicit list: nothing else is ever dispatched to
            what = _FORBIDDEN_WORDS.get(kind)
            raise ConditionError(
                f"{what} is not allowed in a condition: {ast.unparse(node)}"
                if what
                else f"'{ast.unparse(node)}' is not allowed in a condition",
                "use names, numbers, 'text', lists, comparisons, and/or/not, + - *, "
                "and the functions " + ", ".join(FUNCTIONS),
            )
        result: _Typed = getattr(self, "_" + kind)(node)
        return result

    def boolean(self, node: ast.AST) -> Fn:
        t = self.compile(node)
        if t.kind != "bool":
            raise ConditionError(
                f"{_quoted(node)} is {_KIND_WORDS[t.kind]}, not a true/false test",
                _test_hint(t, ast.unparse(node)),
            )
        return t.fn

    # -- leaves ------------------------------------------------------------------------------
    def _Name(self, node: ast.Name) -> _Typed:
        name = node.id
        sym = self.symbols.get(name)
        if sym is None:
            if name in ("true", "True"):
                return _Typed(lambda a: True, "bool")
            if name in ("false", "False"):
                return _Typed(lambda a: False, "bool")
            raise ConditionError(
                f"unknown name '{name}'",
                did_you_mean(name, self.symbols) or _names_hint(self),
                name=name,
            )
        self.names.append(name)
        # a C-level `a.get(name)`: no Python frame per lookup (conditions run per answer set)
        fn: Fn = operator.methodcaller("get", name)
        return _Typed(fn, sym.kind, sym.choices, name=name)

    def _Constant(self, node: ast.Constant) -> _Typed:
        value = node.value
        if isinstance(value, bool):
            return _Typed(lambda a: value, "bool", literal=value)
        if isinstance(value, int | float):
            return _Typed(lambda a: value, "number", literal=value)
        if isinstance(value, str):
            return _Typed(lambda a: value, "str", literal=value)
        raise ConditionError(f"the value {value!r} is not allowed in a condition")

    def _List(self, node: ast.List | ast.Tuple) -> _Typed:
        values: list[str] = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                raise ConditionError(
                    f"lists may only hold quoted choice ids, not '{ast.unparse(elt)}'"
                )
            values.append(elt.value)
        frozen = frozenset(values)
        return _Typed(lambda a: frozen, "strlist", literal=values)

    _Tuple = _List

    # -- logic -------------------------------------------------------------------------------
    def _BoolOp(self, node: ast.BoolOp) -> _Typed:
        parts = tuple(self.boolean(v) for v in node.values)
        if isinstance(node.op, ast.And):
            return _Typed(_all_of(parts), "bool")
        return _Typed(_any_of(parts), "bool")

    def _UnaryOp(self, node: ast.UnaryOp) -> _Typed:
        if isinstance(node.op, ast.Not):
            inner = self.boolean(node.operand)
            return _Typed(lambda a: not inner(a), "bool")
        if isinstance(node.op, ast.USub | ast.UAdd):
            t = self._number(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            if t.literal is not None:
                value = sign * t.literal
                return _Typed(lambda a: value, "number", literal=value)
            return _Typed(lambda a: None if (v := t.fn(a)) is None else sign * v, "number")
        raise ConditionError(f"'{ast.unparse(node)}' is not allowed in a condition")

    def _BinOp(self, node: ast.BinOp) -> _Typed:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise ConditionError(
                f"'{ast.unparse(node)}': only +, - and * are allowed in a condition"
            )
        left, right = self._number(node.left).fn, self._number(node.right).fn

        def fn(a: Answers) -> Any:
            x, y = left(a), right(a)
            if x is None or y is None:
                return None
            result = op(x, y)
            # Answers are typed in decimals; binary floats would make 9.7 - 7.7 >= 2 false.
            return round(result, DECIMALS) if isinstance(result, float) else result

        return _Typed(fn, "number")

    def _number(self, node: ast.AST) -> _Typed:
        t = self.compile(node)
        if t.kind != "number":
            raise ConditionError(f"{_describe(t)} is used where a number is needed")
        return t

    # -- comparisons -------------------------------------------------------------------------
    def _Compare(self, node: ast.Compare) -> _Typed:
        if any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            raise ConditionError(
                "'is' is not allowed in a condition",
                "use == or != to compare, and answered(question) to test for an answer",
            )
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]
        tests = [self._pair(op, operands[i], operands[i + 1]) for i, op in enumerate(node.ops)]
        if len(tests) == 1:
            return _Typed(tests[0], "bool")
        return _Typed(_all_of(tuple(tests)), "bool")

    def _pair(self, op: ast.cmpop, left: _Typed, right: _Typed) -> Callable[[Answers], bool]:
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
        return _compare_fn(compare, left, right)

    def _check_equality(self, left: _Typed, right: _Typed) -> None:
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

    def _membership(self, op: ast.cmpop, left: _Typed, right: _Typed) -> Callable[[Answers], bool]:
        negate = isinstance(op, ast.NotIn)
        if right.kind == "multi" and left.kind == "str":
            self._check_choice(right, left.literal)
            value, get = left.literal, right.fn
            if right.name is not None and not negate:
                name = right.name

                def in_named_multi(a: Answers) -> bool:
                    chosen = a.get(name)
                    return chosen is not None and value in chosen

                return in_named_multi

            def in_multi(a: Answers) -> bool:
                chosen = get(a)
                return chosen is not None and ((value in chosen) != negate)

            return in_multi
        if right.kind == "strlist" and left.kind in ("choice", "text"):
            for v in right.literal:
                if left.kind == "choice":
                    self._check_choice(left, v)
            options, get_one = frozenset(right.literal), left.fn

            def in_list(a: Answers) -> bool:
                v = get_one(a)
                return v is not None and ((v in options) != negate)

            return in_list
        raise ConditionError(
            f"cannot test {_describe(left)} 'in' {_describe(right)}",
            "write 'choice' in multi_question, or single_question in ['a', 'b']",
        )

    def _check_choice(self, named: _Typed, value: str) -> None:
        if named.choices and value not in named.choices:
            raise ConditionError(
                f"'{value}' is not a choice of '{named.name}'",
                did_you_mean(value, named.choices)
                or "choices: " + ", ".join(sorted(named.choices)),
            )

    # -- functions ---------------------------------------------------------------------------
    def _Call(self, node: ast.Call) -> _Typed:
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

    def _fn_answered(self, args: list[ast.expr]) -> _Typed:
        if len(args) != 1 or not isinstance(args[0], ast.Name):
            raise ConditionError("answered() takes one question id, e.g. answered(age)")
        get = self.compile(args[0]).fn
        return _Typed(lambda a: get(a) is not None, "bool")

    def _fn_min(self, args: list[ast.expr]) -> _Typed:
        return self._extreme(args, min)

    def _fn_max(self, args: list[ast.expr]) -> _Typed:
        return self._extreme(args, max)

    def _extreme(self, args: list[ast.expr], pick: Callable[..., Any]) -> _Typed:
        if not args:
            raise ConditionError(f"{pick.__name__}() needs at least one number")
        fns = tuple(self._number(arg).fn for arg in args)

        def fn(a: Answers) -> Any:
            values = [v for f in fns if (v := f(a)) is not None]
            return pick(values) if values else None

        return _Typed(fn, "number")

    def _fn_abs(self, args: list[ast.expr]) -> _Typed:
        if len(args) != 1:
            raise ConditionError("abs() takes one number")
        inner = self._number(args[0]).fn
        return _Typed(lambda a: None if (v := inner(a)) is None else abs(v), "number")

    def _fn_count(self, args: list[ast.expr]) -> _Typed:
        if len(args) != 1 or not (
            isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
        ):
            raise ConditionError("count() takes one quoted choice id, e.g. count('not_sure')")
        value = args[0].value
        if self.all_choices and value not in self.all_choices:
            raise ConditionError(
                f"'{value}' is not a choice of any question", did_you_mean(value, self.all_choices)
            )

        # Only answers count: in referral and plan rules the mapping also holds finding levels
        # and the referral level, whose 'none' must not count as a 'none' answer.
        others = frozenset(n for n, s in self.symbols.items() if s.description != "question")

        def fn(a: Answers) -> int:
            n = 0  # a plain loop: about twice as fast as sum() over a generator
            for k, v in a.items():
                if (v == value or (type(v) is list and value in v)) and k not in others:
                    n += 1
            return n

        return _Typed(fn, "number")


def _compare_fn(
    compare: Callable[[Any, Any], bool], left: _Typed, right: _Typed
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


def _all_of(parts: tuple[Fn, ...]) -> Fn:
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


def _any_of(parts: tuple[Fn, ...]) -> Fn:
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


def _quoted(node: ast.AST) -> str:
    """The source of a node in quotes, without doubling the quotes of a text value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return repr(node.value)
    return f"'{ast.unparse(node)}'"


def _example_choice(t: _Typed) -> str:
    """A real choice id of `t` to show in a hint ('yes' where there is one)."""
    if "yes" in t.choices or not t.choices:
        return "yes"
    return sorted(t.choices)[0]


def _test_hint(t: _Typed, text: str) -> str | None:
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


def _order_hint(side: _Typed) -> str | None:
    """How to test a non-number where someone used <, <=, > or >=."""
    if side.kind == "choice" and side.name:
        example = _example_choice(side)
        return f"a choice has no order: test {side.name} == '{example}' or {side.name} in [...]"
    if side.kind == "str":
        return "write numbers without quotes, e.g. age >= 18"
    return None


def _equality_hint(left: _Typed, right: _Typed) -> str | None:
    """How to fix == or != between values of different kinds."""
    for named, other in ((left, right), (right, left)):
        if named.name and named.kind == "number" and other.kind == "str":
            return f"'{named.name}' is a number: compare it with a number, e.g. {named.name} >= 18"
        if named.name and named.kind == "choice" and other.kind == "number" and not other.name:
            return f"choice ids are quoted text, e.g. {named.name} == '{_example_choice(named)}'"
    return None


def _depth(tree: ast.AST) -> int:
    """How deeply the expression nests (iteratively, so a hostile condition cannot crash it)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _names_hint(c: _Compiler) -> str:
    names = sorted(c.symbols)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"known names: {shown}"


def compile_condition(
    source: str, symbols: Mapping[str, Symbol], all_choices: frozenset[str] = frozenset()
) -> Condition:
    """Parse, type-check and compile one condition; raise ConditionError when it is wrong."""
    # A YAML block scalar may spread a condition over lines; it is one expression all the same.
    text = source.strip().replace("\r\n", " ").replace("\n", " ")
    if not text:
        raise ConditionError("the condition is empty", "write a test such as age >= 18")
    if len(text) > MAX_LENGTH:
        raise ConditionError(
            f"the condition is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
            "split it into several rules",
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if exc.offset and 0 < exc.offset <= len(text):
            col = f" at column {exc.offset}"
        else:
            col = " at the end"
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ConditionError(
            f"'{shown}' is not a valid condition{col}: {exc.msg}",
            "quote choice ids ('yes'), use == to compare, and/or/not to combine",
        ) from None
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise ConditionError(
            f"the condition nests more than {MAX_DEPTH} levels deep", "split it into several rules"
        )
    compiler = _Compiler(symbols, all_choices)
    fn = compiler.boolean(tree.body)
    names = tuple(dict.fromkeys(compiler.names))
    return Condition(source=text, names=names, evaluate=fn)

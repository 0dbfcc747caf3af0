"""Records (`kinecheck.records`) mean what a frozen dataclass means, on kinecheck's own classes.

Their methods are inherited rather than generated (that is what makes them cheap to define);
these tests hold that nothing a caller sees changed: equality and hash follow the compared
fields, and repr leaves out what a field hides. (That a compiled definition cannot be altered
is held with the models' own immutability, in test_loading.py.)
"""

from __future__ import annotations

from kinecheck.definitions.condition_types import Symbol
from kinecheck.definitions.conditions import compile_condition
from kinecheck.errors import Problem

SYMBOLS = {"age": Symbol("number"), "side": Symbol("choice", frozenset({"left", "right"}))}


def test_the_same_condition_compiled_twice_is_equal_and_hashes_alike() -> None:
    """The compiled closure is not compared (field(compare=False)): the source decides."""
    first = compile_condition("age >= 60 and side == 'left'", SYMBOLS)
    second = compile_condition("age >= 60 and side == 'left'", SYMBOLS)
    other = compile_condition("age >= 61 and side == 'left'", SYMBOLS)
    assert first.evaluate is not second.evaluate
    assert first == second and hash(first) == hash(second)
    assert first != other
    assert len({first, second, other}) == 2


def test_repr_names_the_fields_but_not_a_hidden_one() -> None:
    condition = compile_condition("age >= 60", SYMBOLS)
    shown = repr(condition)
    assert shown.startswith("Condition(source='age >= 60', names=('age',)")
    assert "evaluate" not in shown and "lambda" not in shown


def test_problems_compare_by_every_field() -> None:
    problem = Problem("unknown field 'promt'", file="q.yaml", line=3, field="prompt")
    assert problem == Problem("unknown field 'promt'", file="q.yaml", line=3, field="prompt")
    assert problem != Problem("unknown field 'promt'", file="q.yaml", line=4, field="prompt")
    assert problem != ("unknown field 'promt'", "q.yaml", 3, "prompt", None, "error")
    assert list(dict.fromkeys([problem, problem, Problem("other")])) == [problem, Problem("other")]

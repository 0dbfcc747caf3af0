"""Records (`kinecheck.records`) mean what a frozen dataclass means, on kinecheck's own classes.

Their methods are inherited rather than generated (that is what makes them cheap to define);
these tests hold that nothing a caller sees changed: a compiled definition cannot be altered,
equality and hash follow the compared fields, and repr leaves out what a field hides.
"""

from __future__ import annotations

import dataclasses

import pytest

from kinecheck import api
from kinecheck.definitions.condition_types import Symbol
from kinecheck.definitions.conditions import compile_condition
from kinecheck.errors import Problem

SYMBOLS = {"age": Symbol("number"), "side": Symbol("choice", frozenset({"left", "right"}))}


def test_a_compiled_definition_cannot_be_changed_after_loading() -> None:
    defs = api.load("knee-pain", cache=False)
    compiled = defs.findings[0]
    row = compiled.rows[0]
    for target, name in ((compiled, "finding"), (row, "points"), (row.condition, "source")):
        before = getattr(target, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(target, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(target, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            target.added = 1
        assert getattr(target, name) == before


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

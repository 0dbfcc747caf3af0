"""The condition language: what each operator and function means, and how a wrong one is told."""

from __future__ import annotations

import ast
import builtins
from typing import Any

import pytest

from kinecheck.definitions.conditions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ConditionError,
    Symbol,
    compile_condition,
)

SYMBOLS = {
    "age": Symbol("number"),
    "sitting_hours": Symbol("number"),
    "left_cm": Symbol("number"),
    "right_cm": Symbol("number"),
    "knee_side": Symbol("choice", frozenset({"left", "right", "both"})),
    "pain_source_known": Symbol("choice", frozenset({"yes", "no", "not_sure"})),
    "sports": Symbol("multi", frozenset({"running", "cycling", "swimming", "none"})),
    "notes": Symbol("text"),
}
ALL_CHOICES = frozenset({"left", "right", "both", "yes", "no", "not_sure"}) | frozenset(
    {"running", "cycling", "swimming", "none"}
)


def check(source: str, answers: dict[str, Any]) -> bool:
    return compile_condition(source, SYMBOLS, ALL_CHOICES)(answers)


def error_of(source: str) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        compile_condition(source, SYMBOLS, ALL_CHOICES)
    return info.value


# -- what conditions mean ---------------------------------------------------------------------

MEANING = [
    # comparisons of numbers
    ("age >= 18", {"age": 18}, True),
    ("age >= 18", {"age": 17}, False),
    ("age > 18", {"age": 18}, False),
    ("age < 18", {"age": 17}, True),
    ("age <= 18", {"age": 18}, True),
    ("age == 41", {"age": 41}, True),
    ("age != 41", {"age": 40}, True),
    ("sitting_hours >= 6.5", {"sitting_hours": 6.5}, True),
    ("-1 < age", {"age": 0}, True),
    # chained comparisons hold only when every link holds
    ("5 <= sitting_hours < 8", {"sitting_hours": 5}, True),
    ("5 <= sitting_hours < 8", {"sitting_hours": 7.5}, True),
    ("5 <= sitting_hours < 8", {"sitting_hours": 8}, False),
    ("5 <= sitting_hours < 8", {"sitting_hours": 4}, False),
    ("1 <= age <= 2 <= 3", {"age": 2}, True),
    # single choices
    ("knee_side == 'left'", {"knee_side": "left"}, True),
    ("knee_side == 'left'", {"knee_side": "right"}, False),
    ("'left' == knee_side", {"knee_side": "left"}, True),
    ("knee_side != 'left'", {"knee_side": "both"}, True),
    ("pain_source_known in ['no', 'not_sure']", {"pain_source_known": "not_sure"}, True),
    ("pain_source_known in ['no', 'not_sure']", {"pain_source_known": "yes"}, False),
    ("pain_source_known not in ['no', 'not_sure']", {"pain_source_known": "yes"}, True),
    ("knee_side in ('left', 'both')", {"knee_side": "both"}, True),
    # multiple choices
    ("'running' in sports", {"sports": ["running", "cycling"]}, True),
    ("'running' in sports", {"sports": ["swimming"]}, False),
    ("'running' not in sports", {"sports": ["swimming"]}, True),
    ("'running' in sports or 'cycling' in sports", {"sports": ["cycling"]}, True),
    # free text may only be compared for equality
    ("notes == 'sore'", {"notes": "sore"}, True),
    # and, or, not, parentheses, true/false
    ("age >= 18 and knee_side == 'left'", {"age": 20, "knee_side": "left"}, True),
    ("age >= 18 and knee_side == 'left'", {"age": 20, "knee_side": "right"}, False),
    ("age < 18 or knee_side == 'left'", {"age": 20, "knee_side": "left"}, True),
    ("not age < 18", {"age": 20}, True),
    ("not (age < 18 or age > 65)", {"age": 70}, False),
    ("True", {}, True),
    ("false or age > 1", {"age": 2}, True),
    # arithmetic
    ("right_cm - left_cm >= 2", {"left_cm": 7, "right_cm": 9}, True),
    ("right_cm - left_cm >= 2", {"left_cm": 7.7, "right_cm": 9.7}, True),
    ("left_cm + right_cm > 20", {"left_cm": 10, "right_cm": 10.5}, True),
    ("left_cm * 2 > right_cm", {"left_cm": 5, "right_cm": 9}, True),
    ("-left_cm < 0", {"left_cm": 3}, True),
    # functions
    ("answered(age)", {"age": 41}, True),
    ("answered(age)", {}, False),
    ("answered(age)", {"age": None}, False),
    ("not answered(notes)", {}, True),
    ("min(left_cm, right_cm) < 9", {"left_cm": 12, "right_cm": 8}, True),
    ("max(left_cm, right_cm) > 11", {"left_cm": 12, "right_cm": 8}, True),
    ("min(left_cm, 31) == 31", {}, True),
    ("abs(left_cm - right_cm) < 1.5", {"left_cm": 12, "right_cm": 13}, True),
    ("abs(left_cm - right_cm) < 1.5", {"left_cm": 16.4, "right_cm": 14.9}, False),
    ("abs(-3) == 3", {}, True),
    ("count('not_sure') >= 2", {"pain_source_known": "not_sure", "sports": ["none"]}, False),
    (
        "count('not_sure') >= 2",
        {"pain_source_known": "not_sure", "knee_side": "left", "x": ["not_sure"]},
        True,
    ),
    ("count('none') == 1", {"sports": ["none"]}, True),
]


@pytest.mark.parametrize(("source", "answers", "expected"), MEANING)
def test_condition_meaning(source: str, answers: dict[str, Any], expected: bool) -> None:
    assert check(source, answers) is expected


UNANSWERED = [
    "age >= 18",
    "age < 18",
    "age == 41",
    "age != 41",
    "5 <= age < 80",
    "knee_side == 'left'",
    "knee_side != 'left'",
    "knee_side in ['left', 'right']",
    "knee_side not in ['left', 'right']",
    "'running' in sports",
    "'running' not in sports",
    "right_cm - left_cm >= 2",
    "abs(right_cm - left_cm) < 100",
    "-age < 0",
    "min(left_cm, right_cm) < 100",
    "notes == 'x'",
]


@pytest.mark.parametrize("source", UNANSWERED)
@pytest.mark.parametrize("missing", [{}, {"age": None, "knee_side": None, "sports": None}])
def test_an_unanswered_question_makes_every_comparison_false(
    source: str, missing: dict[str, Any]
) -> None:
    assert check(source, missing) is False


def test_not_of_a_comparison_with_an_unanswered_question_is_true() -> None:
    # "not (age < 18)" asks whether the person is known to be under 18; unknown is not under 18
    assert check("not age < 18", {}) is True


def test_min_and_max_ignore_unanswered_values() -> None:
    assert check("min(left_cm, right_cm) < 9", {"right_cm": 8}) is True
    assert check("min(left_cm, right_cm) < 9", {"left_cm": 12}) is False
    assert check("max(left_cm, right_cm) > 11", {"left_cm": 12}) is True
    assert check("min(left_cm, right_cm) < 100", {"left_cm": None, "right_cm": None}) is False


def test_count_counts_single_answers_and_choices_in_lists() -> None:
    answers = {"a": "not_sure", "b": "not_sure", "sports": ["not_sure"], "age": 3, "c": "yes"}
    assert check("count('not_sure') == 3", answers) is True
    assert check("count('yes') == 1", answers) is True


def test_a_condition_names_the_questions_it_uses_once_in_order() -> None:
    condition = compile_condition(
        "knee_side == 'left' and age > 3 or answered(age) and 'running' in sports", SYMBOLS
    )
    assert condition.names == ("knee_side", "age", "sports")
    assert (
        condition.source
        == "knee_side == 'left' and age > 3 or answered(age) and 'running' in sports"
    )


def test_a_condition_may_be_spread_over_lines() -> None:
    # a YAML block scalar (|) keeps the line breaks
    assert check("age >= 18\nand knee_side == 'left'\n", {"age": 20, "knee_side": "left"})


# -- what a wrong condition says --------------------------------------------------------------

ALLOWED = (
    "use names, numbers, 'text', lists, comparisons, and/or/not, + - * /, "
    "and the functions answered, min, max, abs, count"
)
SYNTAX_HINT = "quote choice ids ('yes'), use == to compare, and/or/not to combine"
CALL_HINT = "functions: answered, min, max, abs, count"

BAD = [
    # unknown names
    ("agee >= 18", "unknown name 'agee'", "did you mean 'age'?"),
    ("Age >= 18", "unknown name 'Age'", "did you mean 'age'?"),
    (
        "weight > 80",
        "unknown name 'weight'",
        "known names: age, knee_side, left_cm, notes, pain_source_known, right_cm, "
        "sitting_hours, sports",
    ),
    # misspelled choices
    ("knee_side == 'lfet'", "'lfet' is not a choice of 'knee_side'", "did you mean 'left'?"),
    (
        "knee_side in ['left', 'rigth']",
        "'rigth' is not a choice of 'knee_side'",
        "did you mean 'right'?",
    ),
    ("'runing' in sports", "'runing' is not a choice of 'sports'", "did you mean 'running'?"),
    (
        "'golf' in sports",
        "'golf' is not a choice of 'sports'",
        "choices: cycling, none, running, swimming",
    ),
    (
        "count('not_shure') >= 3",
        "'not_shure' is not a choice of any question",
        "did you mean 'not_sure'?",
    ),
    # == on a multiple choice suggests `in`
    (
        "sports == 'runing'",
        "'sports' (a multiple choice) holds several answers and cannot be compared with ==",
        "write 'runing' in sports",
    ),
    (
        "sports == 'running'",
        "'sports' (a multiple choice) holds several answers and cannot be compared with ==",
        "write 'running' in sports",
    ),
    (
        "sports != 'running'",
        "'sports' (a multiple choice) holds several answers and cannot be compared with ==",
        "write 'running' in sports",
    ),
    # values of the wrong kind
    (
        "age == 'forty'",
        "cannot compare 'age' (a number) with 'forty' (a text value)",
        "'age' is a number: compare it with a number, e.g. age >= 18",
    ),
    (
        "age >= '18'",
        "'>=' compares numbers, but '18' (a text value) is not one",
        "write numbers without quotes, e.g. age >= 18",
    ),
    (
        "knee_side == 3",
        "cannot compare 'knee_side' (a single choice) with 3 (a number)",
        "choice ids are quoted text, e.g. knee_side == 'both'",
    ),
    (
        "knee_side < 3",
        "'<' compares numbers, but 'knee_side' (a single choice) is not one",
        "a choice has no order: test knee_side == 'both' or knee_side in [...]",
    ),
    (
        "pain_source_known > 'no'",
        "'>' compares numbers, but 'pain_source_known' (a single choice) is not one",
        "a choice has no order: test pain_source_known == 'yes' or pain_source_known in [...]",
    ),
    (
        "age == knee_side",
        "cannot compare 'age' (a number) with 'knee_side' (a single choice)",
        None,
    ),
    (
        "knee_side in sports",
        "cannot test 'knee_side' (a single choice) 'in' 'sports' (a multiple choice)",
        "write 'choice' in multi_question, or single_question in ['a', 'b']",
    ),
    ("age in [1, 2]", "lists may only hold quoted choice ids, not '1'", None),
    (
        "min(age, knee_side) < 3",
        "'knee_side' (a single choice) is used where a number is needed",
        None,
    ),
    ("notes > 3", "'>' compares numbers, but 'notes' (free text) is not one", None),
    # not a true/false test
    ("age", "'age' is a number, not a true/false test", "compare it, for example age >= 1"),
    (
        "knee_side",
        "'knee_side' is a single choice, not a true/false test",
        "compare it, for example knee_side == 'both'",
    ),
    (
        "pain_source_known and age > 3",
        "'pain_source_known' is a single choice, not a true/false test",
        "compare it, for example pain_source_known == 'yes'",
    ),
    (
        "not sports",
        "'sports' is a multiple choice, not a true/false test",
        "test one choice, for example 'cycling' in sports",
    ),
    ("'yes'", "'yes' is a text value, not a true/false test", None),
    (
        "notes",
        "'notes' is free text, not a true/false test",
        "use answered(notes) to test that it was answered",
    ),
    # operators and functions outside the language
    ("age // 2 > 10", "'age // 2': only +, -, * and / are allowed in a condition", None),
    ("age ** 2 > 10", "'age ** 2': only +, -, * and / are allowed in a condition", None),
    ("age % 2 == 1", "'age % 2': only +, -, * and / are allowed in a condition", None),
    (
        "age is None",
        "'is' is not allowed in a condition",
        "use == or != to compare, and answered(question) to test for an answer",
    ),
    ("age > None", "the value None is not allowed in a condition", None),
    ("answered(3)", "answered() takes one question id, e.g. answered(age)", None),
    ("min() < 3", "min() needs at least one number", None),
    ("abs(age, age) > 3", "abs() takes one number", None),
    ("abs(x=age) > 3", "abs() takes no keyword arguments", None),
    ("count(3) > 1", "count() takes one quoted choice id, e.g. count('not_sure')", None),
    ("mn(age, 3) < 3", "unknown function 'mn'", "did you mean 'min'?"),
    # code: never run, always refused
    ("__import__('os')", "unknown function '__import__'", CALL_HINT),
    ("open('x')", "unknown function 'open'", CALL_HINT),
    ("eval('1') == 1", "unknown function 'eval'", CALL_HINT),
    ("exec('import os')", "unknown function 'exec'", CALL_HINT),
    ("age.real > 1", "attribute access (.) is not allowed in a condition: age.real", ALLOWED),
    ("age.__class__", "attribute access (.) is not allowed in a condition: age.__class__", ALLOWED),
    (
        "().__class__.__bases__[0].__subclasses__()",
        "'().__class__.__bases__[0].__subclasses__()' is not allowed in a condition",
        "only these functions can be called, by name: answered, min, max, abs, count",
    ),
    (
        "sports[0] == 'running'",
        "indexing ([...]) is not allowed in a condition: sports[0]",
        ALLOWED,
    ),
    (
        "(lambda: 1)() == 1",
        "'(lambda: 1)()' is not allowed in a condition",
        "only these functions can be called, by name: answered, min, max, abs, count",
    ),
    ("lambda: True", "a lambda is not allowed in a condition: lambda: True", ALLOWED),
    (
        "[s for s in sports]",
        "a comprehension is not allowed in a condition: [s for s in sports]",
        ALLOWED,
    ),
    ("any(s for s in sports)", "unknown function 'any'", CALL_HINT),
    ("f'{age}' == '3'", "an f-string is not allowed in a condition: f'{age}'", ALLOWED),
    ("(x := 3) > 1", "assignment (:=) is not allowed in a condition: (x := 3)", ALLOWED),
    ("age if age else 1", "if/else is not allowed in a condition: age if age else 1", ALLOWED),
    ("{'a': 1}", "a mapping ({...}) is not allowed in a condition: {'a': 1}", ALLOWED),
    ("__builtins__", "unknown name '__builtins__'", None),  # hint: the known names
    # syntax errors, with the column
    ("age >", "'age >' is not a valid condition at the end: invalid syntax", SYNTAX_HINT),
    (
        "age > > 18",
        "'age > > 18' is not a valid condition at column 7: invalid syntax",
        SYNTAX_HINT,
    ),
    ("age = 18", "'age = 18' is not a valid condition at column 5: invalid syntax", SYNTAX_HINT),
    (
        "knee_side == 'left",
        "'knee_side == 'left' is not a valid condition at column 14: "
        "unterminated string literal (detected at line 1)",
        SYNTAX_HINT,
    ),
    ("age > 18)", "'age > 18)' is not a valid condition at column 9: unmatched ')'", SYNTAX_HINT),
    ("import os", "'import os' is not a valid condition at column 1: invalid syntax", SYNTAX_HINT),
    (
        "age > 1; age < 3",
        "'age > 1; age < 3' is not a valid condition at column 8: invalid syntax",
        SYNTAX_HINT,
    ),
    ("", "the condition is empty", "write a test such as age >= 18"),
    ("   ", "the condition is empty", "write a test such as age >= 18"),
]


@pytest.mark.parametrize(("source", "message", "hint"), BAD, ids=[b[0] or "empty" for b in BAD])
def test_a_bad_condition_says_what_is_wrong_and_how_to_fix_it(
    source: str, message: str, hint: str | None
) -> None:
    error = error_of(source)
    assert error.message == message
    if source != "__builtins__":
        assert error.hint == hint
    assert str(error) == message


def test_an_unknown_name_lists_the_known_ones_when_nothing_is_close() -> None:
    assert error_of("__builtins__").hint == (
        "known names: age, knee_side, left_cm, notes, pain_source_known, right_cm, "
        "sitting_hours, sports"
    )
    assert error_of("__builtins__").name == "__builtins__"


def test_too_long_or_too_deep_conditions_are_refused_not_crashed_on() -> None:
    long = " or ".join(["age > 1"] * 400)
    assert error_of(long).message == (
        f"the condition is {len(long)} characters long; at most {MAX_LENGTH} are allowed"
    )
    for deep in ("not " * 300 + "True", "-" * 1500 + "age > 1", "abs(" * 90 + "age" + ")" * 90):
        error = error_of(deep)
        assert error.message == f"the condition nests more than {MAX_DEPTH} levels deep"
        assert error.hint == "split it into several rules"
    nested = "(" * 300 + "age > 1" + ")" * 300
    message = error_of(nested).message  # the text shown is cut short
    assert message.startswith(f"'{nested[:77]}...' is not a valid condition at column ")
    assert message.endswith(": too many nested parentheses")


# -- a condition can never run code -----------------------------------------------------------

ATTACKS = [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w').write('x')",
    "().__class__.__base__.__subclasses__()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "age.__init__.__globals__['__builtins__']['open']('PWNED', 'w')",
    "getattr(age, '__class__')",
    "globals()['__builtins__']",
    "(lambda: __import__('os').system('touch PWNED'))()",
    "breakpoint()",
    "'running' in sports and exec('import os')",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_condition_cannot_run_code(
    attack: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConditionError):
        compile_condition(attack, SYMBOLS, ALL_CHOICES)
    assert list(tmp_path.iterdir()) == []


def test_conditions_are_compiled_and_run_without_eval_exec_or_compiled_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_compile = builtins.compile

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the condition language must not use eval or exec")

    def parse_only(source: Any, filename: Any, mode: str, flags: int = 0, **kw: Any) -> Any:
        # ast.parse is compile(..., PyCF_ONLY_AST): a syntax tree, never code that runs
        assert flags & ast.PyCF_ONLY_AST, "conditions must not be compiled to Python code"
        return real_compile(source, filename, mode, flags, **kw)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", parse_only)
    condition = compile_condition(
        "age >= 18 and 'running' in sports and min(left_cm, right_cm) < 9", SYMBOLS
    )
    assert condition({"age": 41, "sports": ["running"], "left_cm": 8, "right_cm": 12})


def test_count_counts_answers_not_finding_or_referral_levels() -> None:
    symbols = {
        **SYMBOLS,
        "hip_immobility": Symbol("choice", frozenset({"none", "possible", "likely"}), "finding"),
        "referral_level": Symbol("choice", frozenset({"none", "routine"}), "referral level"),
    }
    condition = compile_condition("count('none') == 1", symbols, ALL_CHOICES)
    context = {"sports": ["none"], "hip_immobility": "none", "referral_level": "none"}
    assert condition(context) is True


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("(age + sitting_hours) / 2 >= 25", {"age": 41, "sitting_hours": 9}, True),  # 25
        ("age / 4 == 10.25", {"age": 41}, True),
        ("age / sitting_hours > 1", {"age": 41, "sitting_hours": 0}, False),  # by zero
        ("not (age / sitting_hours > 1)", {"age": 41, "sitting_hours": 0}, True),
        ("age / sitting_hours <= 1", {"age": 41, "sitting_hours": 0}, False),
        ("age / sitting_hours > 1", {"age": 41}, False),  # by no value
        ("age / 0 < 1", {"age": 41}, False),
        ("10 / 3 == 3.333333333", {}, True),  # rounded like every result (DECIMALS)
    ],
)
def test_division_by_zero_or_by_no_value_has_no_value(
    source: str, answers: dict[str, Any], expected: bool
) -> None:
    assert check(source, answers) is expected

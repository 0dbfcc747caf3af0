"""Hostile definitions: every one is our error, in bounded time, and nothing outside is read.

Issue #9 items 3 (arithmetic that overflows), 5 (symlink loops), 6 (non-finite numbers),
8 (`validate` linear in its problems), 17 (files outside the definitions' folders) and the
condition side of item 2 (integers longer than Python converts).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kinecheck.api import load
from kinecheck.cli import app
from kinecheck.definitions.compiled import symbol_for
from kinecheck.definitions.conditions import ConditionError, Symbol, compile_condition
from kinecheck.definitions.questionnaire import choice_ids
from strategies import answer_sets

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"
MAX_NUMBER = 10**15  # the documented bound on every number a definition writes
PYTHON_WORDING = ("Traceback", "Exceeds the limit", "set_int_max_str_digits", "null bytes")


class Result:
    """What a command printed and how it exited."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[-3000:]}\nstderr: {self.stderr[-3000:]}>"


def cli(*args: str) -> Result:
    """Run kinecheck in this process; an exception that escapes it fails the test."""
    env = {"KINECHECK_PATH": "", "KINECHECK_CACHE": "off", "COLUMNS": "100"}
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kinecheck {' '.join(args)} raised {result.exception!r}")
    return Result(result.exit_code, result.stdout, result.stderr)


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """Run `python -m kinecheck` as a separate process, as a shell would."""
    environment = {k: v for k, v in os.environ.items() if k != "KINECHECK_PATH"}
    environment.update({"COLUMNS": "100", "KINECHECK_CACHE": "off", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def no_python_wording(result: Result) -> None:
    for words in PYTHON_WORDING:
        assert words not in result.stdout + result.stderr, result


def copy_definitions(tmp_path: Path) -> Path:
    """The bundled definitions in a folder of their own; returns that folder."""
    root = tmp_path / "defs"
    for part in ("questionnaires", "rules"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("cases"))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line holding `text`."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


# -- item 3: a condition that validates never crashes on a valid answer ------------------------


def test_validate_refuses_a_number_too_large_for_a_condition(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    rules = root / "rules" / "knee-pain.yaml"
    huge = "1" + "0" * 400
    edit(rules, '"sitting_hours >= 8"', f'"sitting_hours > {huge} * 1.0"')
    result = cli("validate", str(rules))
    assert result.code == 1, result
    line = line_of(rules, huge)
    assert (
        f"  {rules}:{line}: findings[hip_immobility].points[0].when: the number "
        f"10000000000000000... is too large: numbers in a condition must lie between "
        f"-10^15 and 10^15 (a question's min and max lie within them too, so no answer "
        f"comes near it)"
    ) in result.stderr.splitlines(), result


@pytest.mark.parametrize(
    "literal", ["1e400", "1e16", "-1e16", "0x38d7ea4c68001", "9_999_999_999_999_999"]
)
def test_every_number_beyond_the_bound_or_infinite_is_refused(literal: str) -> None:
    symbols = {"hours": Symbol("number")}
    with pytest.raises(ConditionError) as info:
        compile_condition(f"hours < {literal}", symbols)
    assert "is too large: numbers in a condition must lie between -10^15 and 10^15" in (
        info.value.message
    )


def test_numbers_up_to_the_bound_are_allowed() -> None:
    symbols = {"hours": Symbol("number")}
    assert compile_condition("hours < 1e15", symbols)({"hours": 3})
    assert compile_condition("hours > -1000000000000000", symbols)({"hours": 3})


def test_assess_of_an_overflowing_calculation_is_a_report_not_a_crash(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    questionnaire = root / "questionnaires" / "knee-pain.yaml"
    edit(questionnaire, "max: 24\n        unit: hours", "max: 1e15\n        unit: hours")
    rules = root / "rules" / "knee-pain.yaml"
    product = " * ".join(["sitting_hours"] * 25)
    edit(rules, '"sitting_hours >= 8"', f'"{product} * 1.0 > 0"')
    assert cli("validate", str(root)).code == 0
    answers = yaml.safe_load(DESK_WORKER.read_text())
    answers["sitting_hours"] = 10**15
    answers_file = tmp_path / "answers.yaml"
    answers_file.write_text(yaml.safe_dump(answers))
    result = cli("assess", str(questionnaire), "--answers", str(answers_file), "--format", "json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["answers"]["sitting_hours"] == 10**15
    # the product overflows: like an unanswered question, it makes its comparison false
    evidence = [e for f in report["findings"] for e in f["evidence"]]
    assert "sitting_hours" not in [e["question"] for e in evidence]


BOUND_AS_FLOAT = float(MAX_NUMBER)
NUMBERS = {f"n{i}": Symbol("number") for i in range(4)}


def _numbers() -> st.SearchStrategy[int | float]:
    """Answers and literals anywhere from tiny to far beyond what a definition may hold."""
    return st.one_of(
        st.integers(-(10**400), 10**400),
        st.integers(-MAX_NUMBER, MAX_NUMBER),
        st.sampled_from([MAX_NUMBER, -MAX_NUMBER, BOUND_AS_FLOAT, 1.7e308, 0, 0.5]),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def _expression() -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(sorted(NUMBERS)), _numbers().map(repr))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"abs({e})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda es: f"min({', '.join(es)})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda es: f"max({', '.join(es)})"),
            st.integers(2, 30).map(lambda k: " * ".join(["n0"] * k)),
        )

    return st.recursive(leaves, extend, max_leaves=30)


def _conditions() -> st.SearchStrategy[str]:
    return st.tuples(
        _expression(), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), _expression()
    ).map(" ".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _conditions(),
    st.fixed_dictionaries(
        {
            name: st.one_of(
                st.integers(-MAX_NUMBER, MAX_NUMBER), st.floats(-BOUND_AS_FLOAT, BOUND_AS_FLOAT)
            )
            for name in NUMBERS
        }
    ),
)
def test_a_condition_that_compiles_is_true_or_false_for_every_answer_in_bounds(
    source: str, answers: dict[str, Any]
) -> None:
    try:
        condition = compile_condition(source, NUMBERS)
    except ConditionError:
        assume(False)
        return
    assert condition(answers) in (True, False)


def test_a_product_of_answers_beyond_floats_is_false_not_a_crash() -> None:
    numbers = {"x": Symbol("number")}
    product = " * ".join(["x"] * 25)
    for source in (f"{product} * 1.0 > 0", f"{product} + 0.5 > 0", f"1.5 * {product} < 0"):
        assert compile_condition(source, numbers)({"x": MAX_NUMBER}) is False
        assert compile_condition(f"not ({source})", numbers)({"x": MAX_NUMBER}) is True
    assert compile_condition(f"{product} > 0", numbers)({"x": 3}) is True
    # an int beyond floats, from a caller that skipped the answers' checks, is no crash either
    assert compile_condition("x * 1.5 > 0", numbers)({"x": 10**400}) is False


BUNDLED = load("knee-pain")
SYMBOLS = {qid: symbol_for(q) for qid, q in BUNDLED.questions.items()}
NUMBER_NAMES = sorted(n for n, s in SYMBOLS.items() if s.kind == "number")
CHOICE_TESTS = sorted(
    f"{qid} == '{c}'" if SYMBOLS[qid].kind == "choice" else f"'{c}' in {qid}"
    for qid, q in BUNDLED.questions.items()
    if SYMBOLS[qid].kind in ("choice", "multi")
    for c in choice_ids(q)
)


def _bundled_condition() -> st.SearchStrategy[str]:
    operand = st.one_of(st.sampled_from(NUMBER_NAMES), _numbers().map(repr))
    arithmetic = st.recursive(
        operand,
        lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        max_leaves=12,
    )
    comparison = st.tuples(arithmetic, st.sampled_from(["<", ">=", "=="]), arithmetic).map(" ".join)
    test = st.one_of(comparison, st.sampled_from(CHOICE_TESTS))
    return st.recursive(
        test,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda e: f"not {e}"),
        ),
        max_leaves=6,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bundled_condition(), answer_sets(BUNDLED, step=0.1))
def test_a_condition_over_the_bundled_questionnaire_never_raises(
    source: str, answers: dict[str, Any]
) -> None:
    try:
        condition = compile_condition(source, SYMBOLS)
    except ConditionError:
        assume(False)
        return
    assert condition(answers) in (True, False)


# -- item 2, in a condition: integers longer than Python converts -----------------------------


def test_an_integer_of_more_than_4300_digits_in_a_condition_is_our_error() -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition("age > " + "1" * 5000, {"age": Symbol("number")})
    assert "characters long" in info.value.message or "too large" in info.value.message


def test_an_integer_beyond_a_lowered_conversion_limit_is_our_error(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    rules = root / "rules" / "knee-pain.yaml"
    edit(rules, '"sitting_hours >= 8"', f'"sitting_hours > {"9" * 700}"')
    result = run("validate", str(rules), env={"PYTHONINTMAXSTRDIGITS": "640"})
    assert result.code == 1, result
    no_python_wording(result)
    assert "the number 99999999999999999... is too large" in result.stderr, result


def test_a_control_character_in_a_condition_is_our_error(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    rules = root / "rules" / "knee-pain.yaml"
    edit(rules, '"sitting_hours >= 8"', '"sitting_hours >= 8\\0"')
    result = cli("validate", str(rules))
    assert result.code == 1, result
    no_python_wording(result)
    assert (
        "the condition holds an invisible control character (U+0000) at column 19" in result.stderr
    ), result


# -- item 5: symlink loops ---------------------------------------------------------------------


def test_a_symlink_loop_in_a_folder_is_a_problem_for_that_path_only(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    rules = root / "rules"
    (rules / "a.yaml").symlink_to("b.yaml")
    (rules / "b.yaml").symlink_to("a.yaml")
    (rules / "self.yaml").symlink_to("self.yaml")
    result = cli("validate", str(root))
    assert result.code == 1, result
    for name in ("a.yaml", "b.yaml", "self.yaml"):
        assert f"FAIL {rules / name}" in result.stderr
        assert (
            f"  {rules / name}: is a symbolic link that loops back on itself "
            "(point it at a real file or remove it)"
        ) in result.stderr.splitlines(), result
    assert f"ok   {rules / 'knee-pain.yaml'}" in result.stdout
    assert f"ok   {root / 'questionnaires' / 'knee-pain.yaml'}" in result.stdout
    assert result.stderr.splitlines()[-1] == "3 of 6 files failed"


def test_a_symlink_loop_named_directly_is_a_problem(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to("loop.yaml")
    result = cli("validate", str(loop))
    assert result.code == 1, result
    assert "is a symbolic link that loops back on itself" in result.stderr


# -- item 6: non-finite and huge numbers in a definition ---------------------------------------


FINITE = "is not allowed: numbers in a definition must be finite (write a number between "


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("max: 24\n", "max: .nan\n", "max", f"nan (not a number) {FINITE}"),
        (
            "min: 0\n        max: 24",
            "min: -.inf\n        max: 24",
            "min",
            f"minus infinity {FINITE}",
        ),
        ("max: 24\n", "max: 1e400\n", "max", f"infinity {FINITE}"),
        ("max: 24\n", "max: 1e16\n", "max", "1e16 is too large: numbers in a definition must"),
    ],
)
def test_a_number_that_is_not_finite_or_too_large_is_refused(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    root = copy_definitions(tmp_path)
    questionnaire = root / "questionnaires" / "knee-pain.yaml"
    text = questionnaire.read_text()
    at = text.index("- id: sitting_hours")
    questionnaire.write_text(text[:at] + text[at:].replace(old, new, 1))
    line = line_of(questionnaire, new.splitlines()[0].strip())
    where = f"{questionnaire}:{line}: sections[hip].questions[sitting_hours].{field}: "
    for args, code in (
        (["validate", str(questionnaire)], 1),
        (["assess", str(questionnaire), "--answers", str(DESK_WORKER)], 2),
    ):
        result = cli(*args)
        assert result.code == code, result
        lines = [line.strip() for line in result.stderr.splitlines()]
        assert any(line.startswith(where + message) for line in lines), result
        assert result.stdout == ""  # no "ok" line, no report


def test_a_huge_whole_number_in_any_field_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    questionnaire = root / "questionnaires" / "knee-pain.yaml"
    edit(questionnaire, "estimated_minutes: 8", f"estimated_minutes: {10**20}")
    result = cli("validate", str(questionnaire))
    assert result.code == 1, result
    assert (
        f"estimated_minutes: {10**20} is too large: numbers in a definition must lie between "
        "-10^15 and 10^15"
    ) in result.stderr, result


# -- item 8: validate is linear in the number of problems --------------------------------------


def test_validate_lists_20000_unknown_fields_once_each_in_order(tmp_path: Path) -> None:
    source = (ROOT / "questionnaires" / "knee-pain.yaml").read_text()
    keys = 20_000
    big = tmp_path / "big.yaml"
    big.write_text(source + "".join(f"unknown_key_{i}: {i}\n" for i in range(keys)))
    repeated = tmp_path / "repeated.yaml"
    repeated.write_text(source + "".join(f"unknown_key_{i}: {i}\n" for i in range(3)))
    # quadratic, this took over 70 s; linear, a few seconds (the bound only guards a hang)
    result = run("validate", str(big), str(repeated), timeout=60)
    assert result.code == 1, result
    lines = result.stderr.splitlines()
    unknown = [line for line in lines if "unknown field 'unknown_key_" in line]
    assert len(unknown) == keys + 3
    numbers = [int(line.split("field 'unknown_key_")[1].split("'")[0]) for line in unknown[:keys]]
    assert numbers == list(range(keys))


def test_validate_is_linear_in_misspelt_ids_among_many_questions(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    count = 2000
    questionnaire = root / "questionnaires" / "knee-pain.yaml"
    q = yaml.safe_load(questionnaire.read_text())
    extra = [
        {"id": f"extra_question_{i}", "type": "integer", "prompt": "?", "min": 0, "max": 9}
        for i in range(count)
    ]
    q["sections"].append({"id": "extra", "title": "Extra", "questions": extra})
    questionnaire.write_text(yaml.safe_dump(q, sort_keys=False))
    rules = root / "rules" / "knee-pain.yaml"
    r = yaml.safe_load(rules.read_text())
    r["findings"][0]["points"] += [
        {"when": f"extra_questoin_{i} >= 1", "points": 1, "because": "?"} for i in range(count)
    ]
    rules.write_text(yaml.safe_dump(r, sort_keys=False))
    # every misspelling compared with every id took about 4 minutes; now seconds
    result = run("validate", str(rules), timeout=60)
    assert result.code == 1, result
    unknown = [
        line for line in result.stderr.splitlines() if "unknown name 'extra_questoin_" in line
    ]
    assert len(unknown) == count
    assert unknown[0].endswith("unknown name 'extra_questoin_0' (did you mean 'extra_question_0'?)")
    assert unknown[-1].endswith("names are known here; check the spelling)"), unknown[-1]


# -- item 17: definitions name files only inside their own folders ------------------------------

SECRET = "root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n"


@pytest.mark.parametrize(
    "library",
    [
        "/etc/passwd",
        "{secret}",
        "../../outside/exercises.yaml",
        "sub/../../../outside/exercises.yaml",
    ],
)
def test_an_exercise_library_outside_the_rules_folder_is_refused_unread(
    tmp_path: Path, library: str
) -> None:
    root = copy_definitions(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(ROOT / "rules" / "exercises.yaml", outside / "exercises.yaml")
    rules = root / "rules" / "knee-pain.yaml"
    named = library.format(secret=secret)
    edit(rules, "exercise_library: exercises.yaml", f"exercise_library: {named}")
    line = line_of(rules, "exercise_library:")
    for result in (
        cli("validate", str(rules)),
        cli("assess", str(root / "questionnaires" / "knee-pain.yaml"), "-a", str(DESK_WORKER)),
    ):
        assert result.code in (1, 2), result
        assert "SECRET-CONTENT" not in result.stdout + result.stderr
        assert "root:x" not in result.stdout + result.stderr
        assert (
            f"{rules}:{line}: exercise_library: the exercise library must be a file in the "
            f"rules file's folder ({(root / 'rules').resolve()}) or one below it, not {named} "
            "(write a path relative to the rules file, such as exercises.yaml)"
        ) in result.stderr, result


def test_a_library_symlinked_out_of_the_rules_folder_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text(SECRET)
    (root / "rules" / "exercises.yaml").unlink()
    (root / "rules" / "exercises.yaml").symlink_to(secret)
    result = cli("validate", str(root / "rules" / "knee-pain.yaml"))
    assert result.code == 1, result
    assert "SECRET-CONTENT" not in result.stderr
    assert "the exercise library must be a file in the rules file's folder" in result.stderr


def test_a_library_in_a_subfolder_of_the_rules_folder_is_fine(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    (root / "rules" / "library").mkdir()
    shutil.move(root / "rules" / "exercises.yaml", root / "rules" / "library" / "exercises.yaml")
    rules = root / "rules" / "knee-pain.yaml"
    edit(rules, "exercise_library: exercises.yaml", "exercise_library: library/exercises.yaml")
    result = cli("assess", str(root / "questionnaires" / "knee-pain.yaml"), "-a", str(DESK_WORKER))
    assert result.code == 0, result


def test_a_rules_file_names_its_questionnaire_by_id_not_by_path(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    rules = root / "rules" / "knee-pain.yaml"
    edit(rules, "questionnaire: knee-pain", "questionnaire: ../../secret")
    result = cli("validate", str(rules))
    assert result.code == 1, result
    assert "questionnaire: '../../secret' is not a valid id" in result.stderr, result


@pytest.mark.parametrize("option", ["questionnaire", "--rules"])
def test_a_file_that_is_not_a_definition_is_never_echoed(tmp_path: Path, option: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    args = [str(secret)] if option == "questionnaire" else ["knee-pain", "--rules", str(secret)]
    result = cli("assess", *args, "--answers", str(DESK_WORKER))
    assert result.code == 2, result
    assert "SECRET-CONTENT" not in result.stderr
    assert "root:x" not in result.stderr
    assert (
        f"{secret}:1: expected a mapping of fields (such as 'id: ...') at the top, found text"
    ) in result.stderr, result


def test_a_mapping_that_is_not_a_definition_is_never_echoed(tmp_path: Path) -> None:
    other = tmp_path / "config.yaml"
    other.write_text("token: SECRET-CONTENT\nusers: {root: SECRET-CONTENT}\n")
    result = cli("assess", "knee-pain", "--rules", str(other), "--answers", str(DESK_WORKER))
    assert result.code == 2, result
    assert "SECRET-CONTENT" not in result.stderr
    assert "token" not in result.stderr
    expected = (
        f"{other}:1: not a rules file: expected a top-level 'questionnaire', 'scores', "
        "'findings' or 'referral' field"
    )
    assert expected in result.stderr, result


def test_validate_names_a_problem_once_however_the_rules_reach_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules reach the questionnaire by an absolute path; the user named it relatively."""
    root = copy_definitions(tmp_path)
    questionnaire = root / "questionnaires" / "knee-pain.yaml"
    edit(questionnaire, "max: 24\n", "max: .nan\n")
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "defs")
    assert result.code == 1, result
    nan = [line for line in result.stderr.splitlines() if "nan (not a number)" in line]
    assert len(nan) == 1, result
    assert nan[0].startswith("  defs/questionnaires/knee-pain.yaml:")

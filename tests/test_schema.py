"""`kinecheck schema`: the JSON Schemas agree with the reports kinecheck writes and the answers
it accepts.

The schemas are taken from the CLI, as a user gets them, and checked with the `jsonschema`
package. Reports: every example case, the example answers file and generated answer sets give
reports the report schema accepts, and broken reports are refused. Answers: every answers file
we ship is accepted, answers our validator refuses are refused, and for every question type
the schema and `kinecheck.scoring.answers` agree value by value (one documented exception).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kinecheck.api import assess, check_answers, load
from kinecheck.cli import app
from kinecheck.definitions import catalog
from kinecheck.definitions.questionnaire import (
    Choice,
    Integer,
    MultiChoice,
    Number,
    NumberBase,
    Questionnaire,
    Scale,
    Section,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)
from kinecheck.errors import AnswersError, InputError
from kinecheck.render.jsonout import render
from kinecheck.render.schemas import answers_schema
from kinecheck.scoring.answers import AnswerValidator
from probe import run_cli
from strategies import answer_sets, raw_answer_sets
from test_cases import CASES, FILES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.y*ml"))
DEFS = load("knee-pain")
PROPERTY = settings(max_examples=200, deadline=None)
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def cli_schema(*args: str) -> dict[str, Any]:
    """`kinecheck schema ARGS` as a user runs it: indented JSON plus a newline, a valid schema."""
    result = invoke("schema", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('{\n  "$schema": ') and result.stdout.endswith("}\n")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@cache
def report_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(cli_schema("report"))


@cache
def answers_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(cli_schema("answers", "knee-pain"))


def schema_errors(validator: jsonschema.Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def report_json(answers: dict[str, Any]) -> Any:
    """The JSON report (as `assess --format json` writes it) of valid answers, parsed."""
    return json.loads(render(assess(DEFS, check_answers(DEFS, answers).answers)))


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


# -- the report schema -------------------------------------------------------------------------


def test_report_schema_names_itself() -> None:
    schema = cli_schema("report")
    assert schema["$schema"] == DRAFT_2020_12
    assert not [n for n in walk(schema) if isinstance(n, dict) and "$id" in n]
    assert "kinecheck" in schema["title"] and "schema_version 1" in schema["title"]
    assert "kinecheck" in schema["description"] and "schema_version 1" in schema["description"]
    assert schema["properties"]["schema_version"]["const"] == 1
    # every field is always written, so every field is required; but `scores`, written only
    # when the rules declare scores
    for definition in [schema, *schema["$defs"].values()]:
        optional = ["scores"] if definition is schema else []
        assert definition["required"] == [p for p in definition["properties"] if p not in optional]


def test_every_bundled_case_is_a_knee_pain_case() -> None:
    assert {file.questionnaire for file in FILES} == {"knee-pain"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_report_of_every_case_is_valid(case: Any) -> None:
    errors = schema_errors(report_validator(), report_json(case.answers))
    assert not errors, f"{case}\n" + "\n".join(errors)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_report_of_every_example_is_valid(path: Path) -> None:
    assert not schema_errors(report_validator(), report_json(read_yaml(path)))


def test_report_printed_by_assess_is_valid() -> None:
    result = invoke("assess", "knee-pain", "--answers", str(EXAMPLES[0]), "--format", "json")
    assert result.exit_code == 0, result.output
    assert not schema_errors(report_validator(), json.loads(result.stdout))


@PROPERTY
@given(answer_sets(DEFS))
def test_report_of_any_answer_set_is_valid(answers: dict[str, Any]) -> None:
    # answer_sets writes None for a skipped optional question: an answers file may too
    assert not schema_errors(answers_validator(), answers)
    errors = schema_errors(report_validator(), report_json(answers))
    assert not errors, f"{answers}\n" + "\n".join(errors)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda report: report.pop(key)


BROKEN_REPORTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "referral level maybe": lambda r: r["referral"].update(level="maybe"),
    "a finding without id": lambda r: r["findings"][0].pop("id"),
    "a finding level certain": lambda r: r["findings"][0].update(level="certain"),
    "a score in words": lambda r: r["findings"][0].update(score="four"),
    "evidence points 1.5": lambda r: r["findings"][0]["evidence"][0].update(points=1.5),
    "capped is a number": lambda r: r["findings"][0].update(capped=3),
    "a reason at level later": lambda r: r["referral"].update(
        reasons=[{"id": "x", "level": "later", "message": "m"}]
    ),
    "schema_version 2": lambda r: r.update(schema_version=2),
    "plan_status later": lambda r: r.update(plan_status="later"),
    "a plan item without dose": lambda r: r["plan"][0].pop("dose"),
    "rounds_min null": lambda r: r["plan"][0]["dose"].update(rounds_min=None),
    "steps as one string": lambda r: r["plan"][0].update(steps="do it"),
    "questionnaire ref without sha256": lambda r: r["questionnaire"].pop("sha256"),
    "no disclaimer": _drop("disclaimer"),
    "no findings": _drop("findings"),
    "no schema_version": _drop("schema_version"),
    "answers as a list": lambda r: r.update(answers=[]),
}


@pytest.mark.parametrize("name", BROKEN_REPORTS)
def test_broken_report_is_refused(name: str) -> None:
    report = report_json(read_yaml(EXAMPLES[0]))
    assert report["findings"] and report["findings"][0]["evidence"] and report["plan"]
    assert not schema_errors(report_validator(), report)
    broken = copy.deepcopy(report)
    BROKEN_REPORTS[name](broken)
    assert broken != report
    assert schema_errors(report_validator(), broken), name


def test_report_schema_allows_fields_added_later() -> None:
    # docs/contract.md: fields may be added within schema_version 1; readers ignore them.
    report = report_json(read_yaml(EXAMPLES[0]))
    report["scores"] = []
    report["findings"][0]["band"] = "high"
    report["plan"][0]["video"] = "https://example.org"
    assert not schema_errors(report_validator(), report)


# -- the answers schema ------------------------------------------------------------------------


def test_answers_schema_describes_every_question() -> None:
    schema = cli_schema("answers", "knee-pain")
    assert schema["$schema"] == DRAFT_2020_12
    assert not [n for n in walk(schema) if isinstance(n, dict) and "$id" in n]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert list(schema["properties"]) == list(DEFS.questions)
    for qid, question in DEFS.questions.items():
        description = schema["properties"][qid]["description"]
        assert " ".join(question.prompt.split()) in description
        if question.when is not None:
            assert question.when in description
    assert schema["required"] == [
        qid
        for qid, q in DEFS.questions.items()
        if q.when is None and not q.optional and not q.only_for_plan
    ]
    for qid in ("self_tests", "equipment", "floor_comfortable"):  # skipped once withheld
        assert "Only the exercise plan uses it" in schema["properties"][qid]["description"]
    assert set(DEFS.when) <= set(schema["properties"]) - set(schema["required"])
    assert DEFS.when, "knee-pain should have questions asked only sometimes"


def test_answers_schema_by_path_is_the_same() -> None:
    by_path = cli_schema("answers", str(ROOT / "questionnaires" / "knee-pain.yaml"))
    assert by_path == cli_schema("answers", "knee-pain")


ANSWER_FILES = [(p.name, read_yaml(p)) for p in EXAMPLES] + [
    (f"{c.file}: {c.name}", c.answers) for c in CASES
]


@pytest.mark.parametrize("answers", [a for _, a in ANSWER_FILES], ids=[n for n, _ in ANSWER_FILES])
def test_every_answers_file_we_ship_is_valid(answers: dict[str, Any]) -> None:
    check_answers(DEFS, answers)  # our validator accepts it
    errors = schema_errors(answers_validator(), answers)
    assert not errors, "\n".join(errors)


@PROPERTY
@given(raw_answer_sets(DEFS))
def test_any_answers_file_is_valid(answers: dict[str, Any]) -> None:
    errors = schema_errors(answers_validator(), answers)
    assert not errors, f"{answers}\n" + "\n".join(errors)


DESK_WORKER = read_yaml(ROOT / "examples" / "desk-worker.yaml")
_NOT_GIVEN = object()

# (question, answer): each makes the desk worker's answers invalid; _NOT_GIVEN removes it
WRONG_ANSWERS: list[tuple[str, Any]] = [
    ("age", 300),  # out of range
    ("age", 4),
    ("age", 41.5),  # not a whole number
    ("age", "41"),  # a number in quotes
    ("age", True),
    ("age", None),  # required
    ("age", _NOT_GIVEN),
    ("pain_level", 11),
    ("sitting_hours", 24.5),
    ("sitting_hours", "6.5"),
    ("sitting_hours", [6]),
    ("knee_side", "middle"),  # an unknown choice
    ("knee_side", ["left"]),
    ("knee_side", 1),
    ("knee_side", ""),
    ("pain_activities", ["stairs", "flying"]),
    ("pain_activities", []),
    ("pain_activities", ["stairs", "stairs"]),
    ("pain_activities", {"stairs": True}),
    ("red_flags", ["none", "locking"]),  # an exclusive choice with another
    ("red_flags", ["none", "not_sure"]),
    ("recent_trauma", "maybe"),
    ("recent_trauma", 1),
    ("recent_trauma", ["yes"]),
    ("chest_symptoms", "not_sure"),  # not offered there (asked only with calf swelling)
    ("agee", 41),  # an unknown question id
    ("notes", "hello"),
]


@pytest.mark.parametrize(
    ("question", "answer"), WRONG_ANSWERS, ids=[f"{q}={a!r}" for q, a in WRONG_ANSWERS]
)
def test_answers_our_validator_refuses_are_refused(question: str, answer: Any) -> None:
    answers = dict(DESK_WORKER)
    if question == "chest_symptoms":
        answers["red_flags"] = ["calf_swelling"]
    if answer is _NOT_GIVEN:
        del answers[question]
    else:
        answers[question] = answer
    with pytest.raises(AnswersError):
        check_answers(DEFS, answers)
    assert schema_errors(answers_validator(), answers)


# -- every question type: the schema and the validator agree value by value ---------------------


def _choices(*ids: str, exclusive: tuple[str, ...] = ()) -> list[Choice]:
    return [Choice(id=c, label=c.title(), exclusive=c in exclusive) for c in ids]


EVERY_TYPE = [
    SingleChoice(id="single", prompt="Pick one", type="single", choices=_choices("a", "b", "c")),
    SingleChoice(
        id="single_opt",
        prompt="Pick one?",
        type="single",
        choices=_choices("a", "b"),
        optional=True,
    ),
    MultiChoice(
        id="multi",
        prompt="Pick any",
        type="multi",
        choices=_choices("a", "b", "c", "none", "not_sure", exclusive=("none", "not_sure")),
    ),
    MultiChoice(
        id="multi_opt", prompt="Pick any?", type="multi", choices=_choices("a", "b"), optional=True
    ),
    YesNo(id="yes_no", prompt="Yes?", type="yes_no"),
    YesNo(id="yes_no_opt", prompt="Yes?", type="yes_no", not_sure=False, optional=True),
    Integer(id="integer", prompt="How many?", type="integer", min=-2.5, max=3.5),
    Integer(id="integer_opt", prompt="How many?", type="integer", min=0, max=7, optional=True),
    Number(id="number", prompt="How much?", type="number", min=0.5, max=2.5, unit="kg"),
    Number(id="number_opt", prompt="How much?", type="number", min=-1, max=1, optional=True),
    Number(id="unbounded", prompt="Any?", type="number", min=-math.inf, max=math.inf),
    Number(id="no_number_fits", prompt="None", type="number", min=math.nan, max=math.nan),
    Scale(id="scale", prompt="How bad?", type="scale", min_label="none", max_label="worst"),
    Text(id="text", prompt="Tell us", type="text", max_length=6),
    Text(id="text_opt", prompt="Tell us?", type="text", max_length=4, optional=True),
    Text(id="text_none", prompt="Nothing", type="text", max_length=-1, optional=True),
]
EVERY_TYPE_DEFS: Any = SimpleNamespace(
    questionnaire=Questionnaire(
        id="every-type",
        title="Every question type",
        version="1",
        sections=[Section(id="all", title="All", questions=EVERY_TYPE)],
    ),
    questions={q.id: q for q in EVERY_TYPE},
    when={},
)
EVERY_TYPE_SCHEMA = answers_schema(EVERY_TYPE_DEFS)
EVERY_TYPE_VALIDATOR = AnswerValidator(EVERY_TYPE_DEFS)
TEXT_ALPHABET = " \t\nab\u00a0\u2003xyé"  # with whitespace that str.strip() and \s know
WORDS = ["", " ", " \n", "a", "b", "none", "not_sure", "yes", "no", "x", "1", "2.5", "a ", "1e2"]
ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-12, 12)
    | st.integers()
    | st.floats(-12, 12, allow_nan=False)  # JSON has no NaN or infinity
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(WORDS)
    | st.text(alphabet=TEXT_ALPHABET, max_size=9),
    lambda inner: (
        st.lists(inner | st.sampled_from(WORDS), max_size=4)
        | st.dictionaries(st.sampled_from(WORDS), inner, max_size=2)
    ),
    max_leaves=6,
)


def edge_values(question: Any) -> list[Any]:
    """Values at the edges of what the question accepts, on both sides."""
    ids = choice_ids(question)
    values: list[Any] = [None, True, False, 0, 1, 1.0, -1e300, 1e300, 10**30, "1", "not_sure"]
    values += ["", " ", " \n", "x", {}, [], ["x"], [[]], [None]]
    values += [*ids, *([c] for c in ids), *([a, b] for a in ids for b in ids)]
    values += [[c, 1] for c in ids]
    if isinstance(question, NumberBase):
        for bound in (question.min, question.max):
            if math.isfinite(bound):
                whole = float(math.floor(bound))
                values += [bound, bound - 0.5, bound + 0.5, whole, whole + 1, whole - 1]
                values += [math.nextafter(bound, math.inf), math.nextafter(bound, -math.inf)]
                values += [int(whole) - 1, int(whole), int(whole) + 1, str(bound)]
    if isinstance(question, Text):
        n = max(question.max_length, 0)
        values += ["a" * n, "a" * (n + 1), f" {'a' * n} ", " a" + " " * n, "\u00a0a", 5]
    return values


def values_for(question: Any) -> st.SearchStrategy[Any]:
    """Values near what the question accepts (ids, lists of ids, numbers around its range,
    text around its length), and anything at all."""
    ids = choice_ids(question)
    words = st.sampled_from([*ids, *WORDS])
    near = [words, st.lists(words, max_size=4)]
    if ids:
        near.append(st.lists(st.sampled_from(ids), min_size=1, max_size=3))
    if isinstance(question, NumberBase):
        low = question.min if math.isfinite(question.min) else -20
        high = question.max if math.isfinite(question.max) else 20
        near += [
            st.integers(math.floor(low) - 2, math.ceil(high) + 2),
            st.floats(low - 1, high + 1),
            st.sampled_from([low, high, float(math.floor(low)), float(math.ceil(high))]),
        ]
    if isinstance(question, Text):
        near.append(st.text(alphabet=TEXT_ALPHABET, max_size=max(question.max_length, 0) + 3))
    return st.one_of(st.sampled_from(edge_values(question)), *near, ANY_VALUE)


def test_every_type_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(EVERY_TYPE_SCHEMA)
    json.dumps(EVERY_TYPE_SCHEMA, allow_nan=False)  # no NaN or infinity slipped in
    assert EVERY_TYPE_SCHEMA["required"] == [q.id for q in EVERY_TYPE if not q.optional]


def assert_schema_agrees(question: Any, value: Any) -> None:
    """The question's schema accepts `value` exactly when the validator does."""
    try:
        EVERY_TYPE_VALIDATOR.validate({question.id: value}, partial=True)
        accepted = True
    except AnswersError:
        accepted = False
    schema = EVERY_TYPE_SCHEMA["properties"][question.id]
    in_schema = jsonschema.Draft202012Validator(schema).is_valid(value)
    padded = (
        isinstance(question, Text)
        and isinstance(value, str)
        and len(value.strip()) <= question.max_length < len(value)
        and bool(value.strip())
    )
    if padded:  # the one known difference: the validator strips text before measuring it
        assert accepted and not in_schema
        return
    assert in_schema == accepted, (
        f"{question.id} = {value!r}: validator {'accepts' if accepted else 'refuses'}, "
        f"schema {'accepts' if in_schema else 'refuses'}"
    )


@pytest.mark.parametrize("question", EVERY_TYPE, ids=[q.id for q in EVERY_TYPE])
def test_schema_agrees_with_the_validator_at_the_edges(question: Any) -> None:
    for value in edge_values(question):
        assert_schema_agrees(question, value)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(EVERY_TYPE).flatmap(lambda q: st.tuples(st.just(q), values_for(q))))
def test_schema_agrees_with_the_validator_on_any_value(drawn: tuple[Any, Any]) -> None:
    assert_schema_agrees(*drawn)


@pytest.mark.parametrize("question", EVERY_TYPE, ids=[q.id for q in EVERY_TYPE])
def test_every_valid_choice_is_in_the_schema(question: Any) -> None:
    validator = jsonschema.Draft202012Validator(EVERY_TYPE_SCHEMA["properties"][question.id])
    for choice in choice_ids(question):
        assert validator.is_valid([choice] if isinstance(question, MultiChoice) else choice)


# -- the command -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("schema", "--help"), ("schema", "report", "--help"), ("schema", "answers", "-h")]
)
def test_help_teaches_with_an_example(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout and "kinecheck schema" in result.stdout


def test_schema_help_imports_nothing_heavy() -> None:
    output, modules = run_cli("schema", "--help")
    assert "kinecheck schema" in output
    heavy = ("pydantic", "yaml", "rich", "orjson", "kinecheck.api", "kinecheck.render.schemas")
    assert sorted(m for m in modules if m.split(".")[0] in heavy or m in heavy) == []


@pytest.mark.parametrize("name", ["no-such-thing", "knee-pian", "missing/knee-pain.yaml"])
def test_unknown_questionnaire_is_bad_input(name: str) -> None:
    with pytest.raises(InputError) as raised:
        catalog.resolve(name)
    result = invoke("schema", "answers", name)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {raised.value}\n"
    if name == "no-such-thing":
        assert "unknown questionnaire 'no-such-thing'" in result.stderr
        assert "available: knee-pain" in result.stderr
    if name == "knee-pian":
        assert "did you mean 'knee-pain'?" in result.stderr

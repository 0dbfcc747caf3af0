"""Loading definitions: every broken file is reported with its file, line, field and a fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kinecheck.definitions.loading import load_definitions
from kinecheck.errors import DefinitionError, InputError

ROOT = Path(__file__).resolve().parent.parent

QUESTIONNAIRE = """\
id: mini
title: Mini check
version: "1.0"
sections:
  - id: main
    title: Main
    questions:
      - id: age
        type: integer
        prompt: How old are you?
        min: 5
        max: 120
      - id: sports
        type: multi
        prompt: Which sports?
        choices:
          - id: running
            label: Running
          - id: none
            label: None
            exclusive: true
      - id: run_hours
        type: number
        prompt: Hours running a week?
        when: "'running' in sports"
        min: 0
        max: 40
      - id: equipment
        type: multi
        prompt: What do you have?
        choices:
          - id: ball
            label: A ball
          - id: none
            label: None
            exclusive: true
"""

RULES = """\
id: mini
version: "1.0"
questionnaire: mini
disclaimer: Not medical advice.
stop_rule: Stop if it hurts.
findings:
  - id: stiff_hip
    title: Stiff hip
    statement:
      likely: Likely stiff.
      possible: Maybe stiff.
    points:
      - when: "run_hours >= 5"
        points: 3
        because: You run a lot.
    exercises: [rolling]
referral:
  levels:
    none: {title: Fine, message: Nothing to do.}
    routine: {title: Routine, message: See someone.}
    soon: {title: Soon, message: Soon.}
    urgent: {title: Urgent, message: Today.}
    emergency: {title: Emergency, message: Now.}
  reasons:
    - id: older
      when: "age >= 80"
      level: routine
      message: See someone.
plan:
  status_messages:
    ready: Go.
    after_clearance: Later.
    withheld: Not now.
  equipment_question: equipment
  variants:
    rolling:
      - variant: ball
        when: "'ball' in equipment"
      - variant: floor
  status:
    - {status: withheld, when: "referral_level in ['soon', 'urgent', 'emergency']"}
"""

EXERCISES = """\
version: "1.0"
exercises:
  - id: rolling
    name: Rolling
    purpose: Loosen.
    target: hip
    kind: mobility
    dose: {seconds_min: 30, seconds_max: 45}
    variants:
      - id: ball
        name: With a ball
        equipment: [ball]
        setup: Lie down.
        steps: [Roll.]
      - id: floor
        name: On the floor
        setup: Lie down.
        steps: [Stretch.]
    too_far: Sharp pain.
    easier: Go gently.
"""

FILES = {"Q": "questionnaires/mini.yaml", "R": "rules/mini.yaml", "E": "rules/exercises.yaml"}
TEXTS = {"Q": QUESTIONNAIRE, "R": RULES, "E": EXERCISES}


def write_definitions(root: Path, target: str = "", old: str = "", new: str = "") -> Path:
    """Write the mini definitions under `root`, with `old` replaced by `new` in file `target`."""
    for key, rel in FILES.items():
        text = TEXTS[key]
        if key == target:
            assert old in text, f"the mutation must apply: {old!r}"
            text = text.replace(old, new, 1)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / FILES["Q"]


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_definitions(root / FILES["Q"])
    return [str(p) for p in info.value.problems]


def expand(expected: list[str], root: Path) -> list[str]:
    """'Q:14: ...' -> '/tmp/.../questionnaires/mini.yaml:14: ...'."""
    return [str(root / FILES[e[0]]) + e[1:] if e[:2] in ("Q:", "R:", "E:") else e for e in expected]


YAML_HINT = (
    "check the indentation of this line and the one before: items of one list or mapping "
    "line up; put quotes around text that contains ': ' or starts with [, {, * or '"
)

# (id, file, old text, new text, every problem expected, in order)
BROKEN: list[tuple[str, str, str, str, list[str]]] = [
    (
        "bad indentation",
        "Q",
        "      - id: sports\n        type: multi",
        "      - id: sports\n       type: multi",
        [f"Q:14: invalid YAML: did not find expected '-' indicator (column 8) ({YAML_HINT})"],
    ),
    (
        "tab indentation",
        "Q",
        "        min: 5\n",
        "        min: 5\n\t\tmax: 3\n",
        [
            "Q:12: invalid YAML: found a tab character that violates indentation (column 1) "
            "(indent with spaces, not tabs)"
        ],
    ),
    (
        "unclosed list",
        "R",
        "exercises: [rolling]",
        "exercises: [rolling",
        [
            "R:17: invalid YAML: did not find expected ',' or ']' (column 9; while parsing a "
            f"flow sequence that starts on line 16) ({YAML_HINT})"
        ],
    ),
    (
        "duplicate key",
        "Q",
        "        max: 120\n",
        "        max: 120\n        min: 3\n",
        ["Q:13: duplicate key 'min' (first given on line 11)"],
    ),
    (
        "unknown field, misspelled",
        "Q",
        "        prompt: How old are you?",
        "        promt: How old are you?",
        [
            "Q:10: sections[main].questions[age].promt: unknown field 'promt' "
            "(did you mean 'prompt'?)"
        ],
    ),
    (
        "unknown field, nothing close",
        "E",
        "    easier: Go gently.",
        "    easier: Go gently.\n    colour: red",
        [
            "E:21: exercises[rolling].colour: unknown field 'colour' (allowed: id, name, "
            "purpose, target, kind, sides, dose, variants, too_far, easier, cautions, notes)"
        ],
    ),
    (
        "missing required field",
        "Q",
        "        prompt: How old are you?\n",
        "",
        [
            "Q:8: sections[main].questions[age]: required field 'prompt' is missing "
            "(add a 'prompt:' line here)"
        ],
    ),
    (
        "missing top-level field",
        "R",
        "stop_rule: Stop if it hurts.\n",
        "",
        [
            "R:28: plan: a plan needs a stop_rule: when to stop an exercise "
            "(add a top-level stop_rule: ... line)"
        ],
    ),
    (
        "question that is not a mapping",
        "Q",
        "    questions:\n      - id: age\n",
        "    questions:\n      - just a sentence\n      - id: age\n",
        [
            "Q:8: sections[main].questions[0]: must be a mapping of fields "
            "(write one 'field: value' per line)"
        ],
    ),
    (
        "unknown question type",
        "Q",
        "        type: integer",
        "        type: integr",
        [
            "Q:9: sections[main].questions[age].type: unknown type 'integr'; allowed: "
            "'single', 'multi', 'yes_no', 'integer', 'number', 'scale', 'text' "
            "(did you mean 'integer'?)"
        ],
    ),
    (
        "question without a type",
        "Q",
        "        type: integer\n",
        "",
        [
            "Q:8: sections[main].questions[age]: required field 'type' is missing "
            "(allowed types: single, multi, yes_no, integer, number, scale, text)"
        ],
    ),
    (
        "duplicate question id",
        "Q",
        "      - id: equipment\n",
        "      - id: sports\n",
        [
            "Q:28: sections[main].questions[sports].id: duplicate question id 'sports'",
            # the rules' equipment question is gone with it
            "R:34: plan.equipment_question: unknown question 'equipment' "
            "(multiple choice questions: sports)",
            "R:38: plan.variants.rolling[0].when: unknown name 'equipment' "
            "(known names: age, run_hours, sports)",
        ],
    ),
    (
        "when names an unknown question",
        "Q",
        "\"'running' in sports\"",
        "\"'running' in sprots\"",
        [
            "Q:25: sections[main].questions[run_hours].when: unknown name 'sprots' "
            "(did you mean 'sports'?)"
        ],
    ),
    (
        "when names a later question",
        "Q",
        "        prompt: How old are you?\n",
        '        prompt: How old are you?\n        when: "run_hours > 1"\n',
        [
            "Q:11: sections[main].questions[age].when: 'run_hours' is asked after 'age', "
            "so it has no answer yet when this condition is checked "
            "(a question may only depend on questions asked before it: move 'run_hours' "
            "above 'age' or change the condition)"
        ],
    ),
    (
        "when names its own question",
        "Q",
        "\"'running' in sports\"",
        '"run_hours > 1"',
        [
            "Q:25: sections[main].questions[run_hours].when: 'run_hours' cannot be asked "
            "depending on its own answer (name only questions asked before it in its 'when')"
        ],
    ),
    (
        "type mismatch in a when",
        "Q",
        "\"'running' in sports\"",
        "\"age == 'running'\"",
        [
            "Q:25: sections[main].questions[run_hours].when: cannot compare 'age' (a number) "
            "with 'running' (a text value) ('age' is a number: compare it with a number, "
            "e.g. age >= 18)"
        ],
    ),
    (
        "== on a multiple choice",
        "Q",
        "\"'running' in sports\"",
        "\"sports == 'running'\"",
        [
            "Q:25: sections[main].questions[run_hours].when: 'sports' (a multiple choice) "
            "holds several answers and cannot be compared with == (write 'running' in sports)"
        ],
    ),
    (
        "type mismatch in a rule",
        "R",
        '"run_hours >= 5"',
        "\"run_hours >= 'five'\"",
        [
            "R:13: findings[stiff_hip].points[0].when: '>=' compares numbers, but 'five' "
            "(a text value) is not one (write numbers without quotes, e.g. age >= 18)"
        ],
    ),
    (
        "misspelled choice in a rule",
        "R",
        "\"'ball' in equipment\"",
        "\"'bal' in equipment\"",
        [
            "R:38: plan.variants.rolling[0].when: 'bal' is not a choice of 'equipment' "
            "(did you mean 'ball'?)"
        ],
    ),
    (
        "unknown exercise in a finding",
        "R",
        "exercises: [rolling]",
        "exercises: [roling]",
        [
            "R:16: findings[stiff_hip].exercises[0]: unknown exercise 'roling' "
            "(did you mean 'rolling'?)"
        ],
    ),
    (
        "unknown exercise in the variants",
        "R",
        "    rolling:\n",
        "    rollin:\n",
        ["R:36: plan.variants.rollin: unknown exercise 'rollin' (did you mean 'rolling'?)"],
    ),
    (
        "unknown variant",
        "R",
        "      - variant: ball\n",
        "      - variant: bal\n",
        [
            "R:37: plan.variants.rolling[0].variant: 'bal' is not a variant of 'rolling' "
            "(did you mean 'ball'?)"
        ],
    ),
    (
        "last variant with a when",
        "R",
        "      - variant: floor\n",
        '      - variant: floor\n        when: "age > 3"\n',
        [
            "R:39: plan.variants.rolling[1]: the last variant of 'rolling' needs no 'when': "
            "it is the fallback"
        ],
    ),
    (
        "equipment question not a multiple choice",
        "R",
        "equipment_question: equipment",
        "equipment_question: age",
        [
            "R:34: plan.equipment_question: 'age' is a question of type integer, but the "
            "equipment question must be a multiple choice question (type: multi) "
            "(multiple choice questions: sports, equipment)"
        ],
    ),
    (
        "equipment question misspelled",
        "R",
        "equipment_question: equipment",
        "equipment_question: equipmnt",
        ["R:34: plan.equipment_question: unknown question 'equipmnt' (did you mean 'equipment'?)"],
    ),
    (
        "finding id is a question id",
        "R",
        "  - id: stiff_hip",
        "  - id: age",
        ["R:7: findings[age].id: finding id 'age' is also a question id; pick another"],
    ),
    (
        "rules for another questionnaire",
        "R",
        "questionnaire: mini",
        "questionnaire: maxi",
        [
            "R:3: questionnaire: rules are for 'maxi' but the questionnaire is 'mini' "
            "(write questionnaire: mini, or load these rules with their own questionnaire)"
        ],
    ),
    (
        "value not allowed",
        "E",
        "    kind: mobility",
        "    kind: mobilty",
        [
            "E:7: exercises[rolling].kind: 'mobilty' is not allowed; "
            "expected 'mobility' or 'stability'"
        ],
    ),
    (
        "text where a number belongs",
        "Q",
        "        min: 5\n",
        "        min: five\n",
        ["Q:11: sections[main].questions[age].min: 'five' is not a number"],
    ),
    (
        "number below its minimum",
        "R",
        "        points: 3",
        "        points: 0",
        ["R:14: findings[stiff_hip].points[0].points: 0 is too small: it must be at least 1"],
    ),
    (
        "min above max",
        "Q",
        "        min: 5\n        max: 120",
        "        min: 50\n        max: 12",
        ["Q:8: sections[main].questions[age]: min (50.0) must not be greater than max (12.0)"],
    ),
    (
        "empty text",
        "R",
        "disclaimer: Not medical advice.",
        'disclaimer: ""',
        ["R:4: disclaimer: must not be empty (write some text here)"],
    ),
    (
        "invalid id",
        "Q",
        "  - id: main\n",
        "  - id: Main section\n",
        [
            "Q:5: sections[Main section].id: 'Main section' is not a valid id "
            "(use lower-case letters, digits, underscores, starting with a letter)"
        ],
    ),
    (
        "duplicate choice id",
        "Q",
        "          - id: ball\n",
        "          - id: none\n",
        [
            "Q:34: sections[main].questions[equipment].choices[none].id: duplicate choice id "
            "'none' (first given as choice 1) (each choice of a question needs its own id)",
            "R:38: plan.variants.rolling[0].when: 'ball' is not a choice of 'equipment' "
            "(choices: none)",
        ],
    ),
    (
        "status message missing",
        "R",
        "    ready: Go.\n",
        "",
        ["R:30: plan.status_messages: needs a message for: ready"],
    ),
    (
        "no rule withholds the exercises",
        "R",
        "  status:\n    - {status: withheld, when: \"referral_level in ['soon', 'urgent', "
        "'emergency']\"}\n",
        "",
        [
            "R:29: plan: no rule withholds the exercises: warning signs must lead to care "
            "first (add a rule such as {status: withheld, when: \"referral_level in ['soon', "
            "'urgent', 'emergency']\"})"
        ],
    ),
    (
        "blank stop rule",
        "R",
        "stop_rule: Stop if it hurts.\n",
        "stop_rule: '   '\n",
        ["R:5: stop_rule: must not be empty (write some text here)"],
    ),
    (
        "non-mapping top level",
        "Q",
        QUESTIONNAIRE,
        "- age\n- sports\n",
        [
            "Q:1: expected a mapping of fields (such as 'id: ...') at the top, found a list "
            "(allowed fields: id, title, version, description, audience, estimated_minutes, "
            "sections)"
        ],
    ),
    (
        "plain text top level",
        "R",
        RULES,
        "just some words\n",
        [
            "R:1: expected a mapping of fields (such as 'id: ...') at the top, found text "
            "(allowed fields: id, version, questionnaire, exercise_library, "
            "disclaimer, stop_rule, report_title, page_title, scores, findings, "
            "no_findings_message, referral, plan)"
        ],
    ),
    (
        "empty rules file",
        "R",
        RULES,
        "\n# nothing yet\n",
        ["R: the file is empty"],
    ),
    (
        "missing exercise library",
        "R",
        "stop_rule: Stop if it hurts.\n",
        "stop_rule: Stop if it hurts.\nexercise_library: library.yaml\n",
        [
            "R:6: exercise_library: the exercise library {root}/rules/library.yaml does not "
            "exist (exercise_library is a path relative to the rules file "
            "(default: exercises.yaml))"
        ],
    ),
]


@pytest.mark.parametrize(
    ("target", "old", "new", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in BROKEN],
)
def test_a_broken_definition_names_file_line_field_and_fix(
    tmp_path: Path, target: str, old: str, new: str, expected: list[str]
) -> None:
    root = tmp_path.resolve()
    write_definitions(root, target, old, new)
    wanted = [e.replace("{root}", str(root)) for e in expand(expected, root)]
    assert problems_of(root) == wanted


def test_the_unmutated_fixture_loads(tmp_path: Path) -> None:
    defs = load_definitions(write_definitions(tmp_path))
    assert list(defs.questions) == ["age", "sports", "run_hours", "equipment"]
    assert defs.questionnaire_ref.id == "mini"


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    write_definitions(root, "Q", "        prompt: How old are you?", "        promt: How old?")
    rules = root / FILES["R"]
    rules.write_text(rules.read_text().replace("exercises: [rolling]", "exercises: [roling]"))
    library = root / FILES["E"]
    library.write_text(library.read_text().replace("kind: mobility", "kind: stretchy"))
    problems = problems_of(root)
    assert [p.split(":")[0] for p in problems] == [
        str(root / FILES["Q"]),
        str(root / FILES["E"]),
    ], "a questionnaire that does not load cannot check its rules, but the library is read"
    assert "unknown field 'promt'" in problems[0]
    assert "'stretchy' is not allowed" in problems[1]


def test_a_missing_rules_file_says_where_rules_are_expected(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    write_definitions(root)
    (root / FILES["R"]).unlink()
    assert problems_of(root) == [
        f"{root / FILES['Q']}: no rules for questionnaire 'mini': {root / FILES['R']} does "
        "not exist (keep a questionnaire's rules in rules/<id>.yaml beside its "
        "questionnaires/ folder)"
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text(""), "the file is empty"),
        (lambda p: p.write_text("   \n\n"), "the file is empty"),
        (lambda p: p.write_text("# only a comment\n"), "the file is empty"),
        (lambda p: p.mkdir(), "is a directory, expected a file"),
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"id: \xff\xfe\n"), "not UTF-8 text (byte 4)"),
    ],
    ids=["empty", "blank", "comment only", "directory", "missing", "not utf-8"],
)
def test_a_questionnaire_that_cannot_be_read_is_one_clear_error(
    tmp_path: Path, make: object, message: str
) -> None:
    path = tmp_path / "q.yaml"
    make(path)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        load_definitions(path)
    assert str(info.value) == f"{path}: {message}"


def test_a_billion_laughs_file_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write_definitions(tmp_path)
    path.write_text("\n".join(lines) + "\n")
    problems = [str(p) for p in _definition_problems(path)]
    assert problems == [
        f"{path}:1: the file holds more than 200000 values once its aliases (*name) are "
        "expanded (write the values out instead of repeating aliases)"
    ]


TOO_DEEP = (
    "the file nests lists or mappings more than 100 deep (flatten the structure; no "
    "questionnaire, rules or answers file needs this depth)"
)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[" * 101 + "]" * 101, 1),  # just past our limit: the YAML library reads it fine
        ("[" * 5000 + "]" * 5000, 1),  # past the YAML library's own limit
        ("{a: " * 3000 + "1" + "}" * 3000, 1),
        ("".join(" " * i + "-\n" for i in range(0, 1200, 2)) + " " * 1200 + "1", 101),
    ],
    ids=["flow-101", "flow-5000", "mapping-3000", "block-600"],
)
def test_a_deeply_nested_file_gets_our_message_at_its_line(
    tmp_path: Path, text: str, line: int
) -> None:
    path = write_definitions(tmp_path)
    path.write_text(text + "\n")
    assert [str(p) for p in _definition_problems(path)] == [f"{path}:{line}: {TOO_DEEP}"]


def test_nesting_up_to_the_limit_is_not_called_too_deep(tmp_path: Path) -> None:
    path = write_definitions(tmp_path)
    path.write_text("[" * 100 + "]" * 100 + "\n")
    assert all("nests" not in str(p) for p in _definition_problems(path))


def _definition_problems(path: Path) -> list[object]:
    with pytest.raises(DefinitionError) as info:
        load_definitions(path)
    return list(info.value.problems)


# -- the shipped definitions -----------------------------------------------------------------

SHIPPED = sorted(
    p.relative_to(ROOT)
    for folder in ("questionnaires", "rules")
    for p in (ROOT / folder).rglob("*.yaml")
    if "cases" not in p.relative_to(ROOT / folder).parts
)


def test_there_are_shipped_definitions() -> None:
    assert Path("questionnaires/knee-pain.yaml") in SHIPPED
    assert Path("rules/knee-pain.yaml") in SHIPPED
    assert Path("rules/exercises.yaml") in SHIPPED


@pytest.mark.parametrize("relative", SHIPPED, ids=str)
def test_each_shipped_definition_file_validates_cleanly(relative: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kinecheck", "validate", str(relative)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"ok   {relative}", "all 1 file valid"]
    assert result.stderr == ""


@pytest.mark.parametrize("cache", [False, True], ids=["validated", "from-cache"])
def test_loaded_models_never_change(cache: bool) -> None:
    import dataclasses

    from kinecheck import api

    api.load("knee-pain")  # makes sure the cache has an entry for the cached case
    defs = api.load("knee-pain", cache=cache)
    question = defs.questions["age"]
    finding = defs.rules.findings[0]
    compiled = defs.findings[0]  # and what was compiled from them (kinecheck.records)
    for model, name in (
        (question, "prompt"),
        (finding, "title"),
        (defs.library, "version"),
        (compiled, "finding"),
        (compiled.rows[0], "points"),
        (compiled.rows[0].condition, "source"),
    ):
        before = getattr(model, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(model, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(model, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            model.added = 1  # type: ignore[union-attr]
        assert getattr(model, name) == before

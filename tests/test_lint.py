"""`kinecheck validate` as a linter: what it finds in planted mistakes, and that it is never wrong.

The planted mistakes go into copies of the bundled knee-pain files; each must be found at its
file and line, with no false alarm on the bundled files or the clinic examples. Soundness is
checked over random conditions: every real answer set lies in one of the abstract answer sets
the linter decides over, and the truth it finds there covers the real one, so a "never" or
"always" it claims always holds.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinecheck.api import load
from kinecheck.definitions import lint_space
from kinecheck.definitions.compiled import symbol_for
from kinecheck.definitions.conditions import ConditionError, Symbol, compile_condition
from kinecheck.definitions.lint_space import AnswerSpace, regions
from kinecheck.definitions.lint_values import (
    Evaluator,
    Num,
    Picks,
    Span,
    Value,
    Words,
)
from kinecheck.definitions.questionnaire import MultiChoice, NumberBase
from kinecheck.definitions.rules import REFERRAL_ORDER
from kinecheck.definitions.rules_check import FINDING_VALUES
from kinecheck.scoring.decisions import decide
from strategies import answer_sets
from test_cli import ROOT, cli, run

CLINIC = ROOT / "examples" / "clinic"
DEFS = load("knee-pain")


@pytest.fixture(autouse=True)
def _in_the_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def knee_pain_copy(tmp_path: Path, questionnaire: Any = None, rules: Any = None) -> Path:
    """The bundled knee-pain files in a folder of their own, each edited by a function."""
    for kind, name, edit in (
        ("questionnaires", "knee-pain.yaml", questionnaire),
        ("rules", "knee-pain.yaml", rules),
        ("rules", "exercises.yaml", None),
    ):
        (tmp_path / kind).mkdir(exist_ok=True)
        text = (ROOT / kind / name).read_text()
        (tmp_path / kind / name).write_text(edit(text) if edit else text)
    return tmp_path


def replacing(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def problems_json(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = cli("validate", "--format", "json", *args)
    return result.code, json.loads(result.stdout)


# -- no false alarm ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paths",
    [(), ("questionnaires", "rules"), (str(CLINIC),)],
    ids=["bundled", "bundled-folders", "clinic-examples"],
)
def test_strict_validate_passes_the_shipped_definitions(paths: tuple[str, ...]) -> None:
    result = run("validate", "--strict", *paths)
    assert result.code == 0, result
    assert "warning" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("all ")
    code, listed = problems_json("--strict", *paths)
    assert (code, listed) == (0, [])


# -- the planted mistakes -------------------------------------------------------------------------

UNREACHABLE = """\
      - id: hips_feel_tight
        type: yes_no
        when: "age > 120"
"""
NEVER_ROW = """\
      - when: "sitting_hours > 24"
        points: 2
        because: Never.
      - when: "sitting_hours >= 8\""""


def test_a_planted_unreachable_question_and_never_firing_row_are_found_at_their_lines(
    tmp_path: Path,
) -> None:
    root = knee_pain_copy(
        tmp_path,
        replacing("      - id: hips_feel_tight\n        type: yes_no\n", UNREACHABLE),
        replacing('      - when: "sitting_hours >= 8"', NEVER_ROW),
    )
    questionnaire, rules = (
        root / "questionnaires" / "knee-pain.yaml",
        root / "rules" / "knee-pain.yaml",
    )
    result = run("validate", str(root))
    assert result.code == 1, result
    err = result.stderr
    assert f"FAIL {questionnaire}\n" in err and f"FAIL {rules}\n" in err
    q_line, row_line = line_of(questionnaire, "age > 120"), line_of(rules, "sitting_hours > 24")
    assert (
        f"  {questionnaire}:{q_line}: sections[hip].questions[hips_feel_tight].when: "
        "'hips_feel_tight' can never be asked: no answers to the questions before it make its "
        'when "age > 120" true (age is 5 to 120; fix the condition, or remove the when)\n'
    ) in err
    assert (
        f"  {rules}:{row_line}: findings[hip_immobility].points[0].when: this point row can never "
        'fire: no answer set the questionnaire allows makes "sitting_hours > 24" true '
        "(sitting_hours is 0 to 24; fix the numbers or choice ids it compares, or remove it)\n"
    ) in err
    # the row about the unreachable question can never fire either, and says why
    tight = line_of(rules, "hips_feel_tight == 'yes'")
    assert (
        f"{rules}:{tight}: findings[hip_immobility].points[5].when: this point row can never" in err
    )
    assert "('hips_feel_tight' is never asked;" in err
    assert err.splitlines()[-1] == "2 of 3 files failed"


def test_the_json_format_lists_every_problem_for_an_editor(tmp_path: Path) -> None:
    root = knee_pain_copy(
        tmp_path, rules=replacing('      - when: "sitting_hours >= 8"', NEVER_ROW)
    )
    code, listed = problems_json(str(root))
    assert code == 1
    rules = str(root / "rules" / "knee-pain.yaml")
    assert listed == [
        {
            "file": rules,
            "line": line_of(Path(rules), "sitting_hours > 24"),
            "field": "findings[hip_immobility].points[0].when",
            "severity": "error",
            "message": "this point row can never fire: no answer set the questionnaire allows "
            'makes "sitting_hours > 24" true',
            "hint": "sitting_hours is 0 to 24; fix the numbers or choice ids it compares, or "
            "remove it",
        }
    ]


ALWAYS_ROW = """\
      - when: "sitting_hours >= 0"
        points: 1
        because: Always.
      - when: "sitting_hours >= 8\""""


def test_warnings_are_listed_apart_and_fail_only_with_strict(tmp_path: Path) -> None:
    root = knee_pain_copy(
        tmp_path, rules=replacing('      - when: "sitting_hours >= 8"', ALWAYS_ROW)
    )
    rules = root / "rules" / "knee-pain.yaml"
    result = cli("validate", str(root))
    assert result.code == 0, result
    assert f"ok   {rules} (1 warning)" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "all 3 files valid, 1 warning"
    warned = result.stderr.splitlines()
    where = warned.index(f"WARN {rules}")
    assert warned[where + 1].startswith(
        f"  warning: {rules}:{line_of(rules, 'sitting_hours >= 0')}: "
        "findings[hip_immobility].points[0].when: this point row always fires, giving everyone "
        "1 point of 'hip_immobility'"
    )
    assert "FAIL" not in result.stderr

    strict = cli("validate", "--strict", str(root))
    assert strict.code == 1
    assert f"FAIL {rules} (warnings fail with --strict)" in strict.stderr.splitlines()
    assert strict.stderr.splitlines()[-1] == "1 of 3 files failed, 1 warning"
    code, listed = problems_json("--strict", str(root))
    assert code == 1 and [p["severity"] for p in listed] == ["warning"]


def test_a_follow_up_is_never_combined_with_the_answer_that_rules_it_out(tmp_path: Path) -> None:
    """chest_symptoms is asked only after calf_swelling: a reason wanting it without is dead."""
    reason = """\
    - id: impossible
      when: "chest_symptoms == 'yes' and 'calf_swelling' not in red_flags"
      level: emergency
      message: Never.
    - id: ottawa_knee_rule"""
    root = knee_pain_copy(tmp_path, rules=replacing("    - id: ottawa_knee_rule", reason))
    code, listed = problems_json(str(root))
    assert code == 1
    assert [(p["field"], p["severity"]) for p in listed] == [
        ("referral.reasons[impossible].when", "error")
    ]
    assert listed[0]["message"].startswith("referral reason 'impossible' can never fire")
    assert "asked only when \"'calf_swelling' in red_flags\"" in listed[0]["hint"]


def test_a_section_that_can_never_be_asked_is_one_problem(tmp_path: Path) -> None:
    section = '  - id: ankle\n    title: Your ankles\n    when: "age < 5"\n'
    root = knee_pain_copy(
        tmp_path, replacing("  - id: ankle\n    title: Your ankles\n", section), None
    )
    code, listed = problems_json(str(root / "questionnaires"))
    assert code == 1
    sections = [p for p in listed if p["file"].endswith("questionnaires/knee-pain.yaml")]
    assert [(p["field"], p["severity"]) for p in sections] == [("sections[ankle].when", "error")]
    assert sections[0]["message"] == (
        "no question of section 'ankle' can ever be asked: no answers to the questions before "
        'it make its when "age < 5" true'
    )
    # and every ankle row of the rules can never fire
    dead_rows = [p for p in listed if "findings[ankle_immobility].points" in (p["field"] or "")]
    assert len(dead_rows) == 6


def test_variants_a_finding_without_exercises_and_an_unused_exercise(tmp_path: Path) -> None:
    def rules(text: str) -> str:
        text = replacing("    exercises: [ankle_mobility_stretch, calf_raise_to_toe_raise]\n", "")(
            text
        )
        return replacing(
            "        when: \"'weight_or_block' in equipment\"", '        when: "age >= 5"'
        )(text)

    root = knee_pain_copy(tmp_path, rules=rules)
    code, listed = problems_json(str(root))
    assert code == 0
    found = {(Path(p["file"]).name, p["field"], p["severity"]) for p in listed}
    assert found == {
        ("knee-pain.yaml", "findings[ankle_immobility].id", "warning"),
        ("knee-pain.yaml", "plan.variants.ankle_mobility_stretch[0].when", "warning"),
        ("exercises.yaml", "exercises[ankle_mobility_stretch].id", "warning"),
        ("exercises.yaml", "exercises[calf_raise_to_toe_raise].id", "warning"),
    }
    variant = next(p for p in listed if p["field"].startswith("plan.variants"))
    assert "so 'wall' never is" in variant["message"]


def test_an_exercise_another_rules_file_uses_is_not_unused(tmp_path: Path) -> None:
    root = knee_pain_copy(
        tmp_path,
        rules=replacing(
            "[ankle_mobility_stretch, calf_raise_to_toe_raise]", "[ankle_mobility_stretch]"
        ),
    )
    other = root / "rules" / "other.yaml"
    other.write_text(
        "id: other\nversion: '1'\nquestionnaire: other\ndisclaimer: x\n"
        "findings: [{exercises: [calf_raise_to_toe_raise]}]\n"
    )
    code, listed = problems_json(str(root / "rules" / "knee-pain.yaml"))
    assert (code, listed) == (0, [])
    other.write_text("{ not yaml")  # one that cannot be read may name any exercise: silence
    assert problems_json(str(root / "rules" / "knee-pain.yaml")) == (0, [])
    other.unlink()
    code, listed = problems_json(str(root / "rules" / "knee-pain.yaml"))
    assert [p["field"] for p in listed] == ["exercises[calf_raise_to_toe_raise].id"]


def test_a_score_whose_items_are_never_all_asked(tmp_path: Path) -> None:
    """Two KOOS pain items asked on opposite answers: one is always missing."""
    for kind in ("questionnaires", "rules"):
        (tmp_path / kind).mkdir()
        shutil.copy(CLINIC / kind / "koos.yaml", tmp_path / kind / "koos.yaml")
    questionnaire = tmp_path / "questionnaires" / "koos.yaml"
    text = questionnaire.read_text()
    text = text.replace(
        '      - {<<: *pain, id: koos_p3, prompt: "Pain 3 of 9 (placeholder wording, how much)"}',
        '      - {<<: *pain, id: koos_p3, when: "koos_p2 == \'none\'", prompt: "Pain 3"}',
    ).replace(
        '      - {<<: *pain, id: koos_p4, prompt: "Pain 4 of 9 (placeholder wording, how much)"}',
        '      - {<<: *pain, id: koos_p4, when: "koos_p2 != \'none\'", prompt: "Pain 4"}',
    )
    questionnaire.write_text(text)
    code, listed = problems_json(str(tmp_path))
    assert code == 0, listed
    assert [(p["field"], p["severity"]) for p in listed] == [("scores[koos_pain].items", "warning")]
    assert listed[0]["message"] == (
        "the items of score 'koos_pain' can never all be asked: in every answer set at least 1 "
        "of them is not asked"
    )
    rules = tmp_path / "rules" / "koos.yaml"
    rules.write_text(
        rules.read_text().replace("    missing: {max: 2}\n    rescale", "    rescale", 1)
    )
    code, listed = problems_json(str(tmp_path))
    assert code == 1
    assert listed[0]["severity"] == "error"
    assert listed[0]["message"].endswith("and at most 0 may be missing, so it is never scored")


def test_nothing_is_claimed_where_arithmetic_leaves_it_open(tmp_path: Path) -> None:
    """`x - y >= 100` on 0-30 cm can never hold; `x - y >= 2` may: the first is found only."""
    rows = """\
      - when: "knee_to_wall_right_cm - knee_to_wall_left_cm >= 100"
        points: 1
        question: knee_to_wall_left_cm
        because: Never.
      - when: "knee_to_wall_right_cm - knee_to_wall_left_cm >= 2\""""
    root = knee_pain_copy(
        tmp_path,
        rules=replacing('      - when: "knee_to_wall_right_cm - knee_to_wall_left_cm >= 2"', rows),
    )
    code, listed = problems_json(str(root))
    assert code == 1
    assert [p["message"][:29] for p in listed] == ["this point row can never fire"]
    assert "- knee_to_wall_left_cm >= 100" in listed[0]["message"]


# -- the answer space: regions ----------------------------------------------------------------


def test_number_ranges_are_cut_at_the_constants() -> None:
    assert regions(0, 24, frozenset({8, 5, 30, -8}), whole=False) == [
        Span(0, 0),
        Span(0, 5, True, True),
        Span(5, 5),
        Span(5, 8, True, True),
        Span(8, 8),
        Span(8, 24, True, True),
        Span(24, 24),
    ]
    assert regions(0, 7, frozenset({2.5, 3}), whole=True) == [
        Span(0, 0),
        Span(1, 2),
        Span(3, 3),
        Span(4, 6),
        Span(7, 7),
    ]
    assert regions(5, 4, frozenset(), whole=True) == []


# -- soundness over random conditions ---------------------------------------------------------

NUMBERS = sorted(q for q, x in DEFS.questions.items() if isinstance(x, NumberBase))
CHOICES = {q: c for q in DEFS.questions if (c := symbol_for(DEFS.questions[q]).choices)}
SINGLES = sorted(q for q in CHOICES if not isinstance(DEFS.questions[q], MultiChoice))
MULTIS = sorted(q for q in CHOICES if isinstance(DEFS.questions[q], MultiChoice))
CONSTANTS = st.sampled_from([0, 1, 2, 5, 8, 9, 12, 18, 20, 24, 30, 55, 120, 0.5, 7.5, -1, 200])
ORDER = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])
NUMBER = st.sampled_from(NUMBERS)
TERM = st.one_of(
    NUMBER,
    st.builds("({} - {})".format, NUMBER, NUMBER),
    st.builds("({} + {}) / 2".format, NUMBER, NUMBER),
    st.builds("min({}, {})".format, NUMBER, CONSTANTS),
    st.builds("abs({} - {})".format, NUMBER, NUMBER),
    st.builds("{} / {}".format, NUMBER, NUMBER),
    st.just("count('not_sure')"),
)
ATOM = st.one_of(
    st.builds("{} {} {}".format, NUMBER, ORDER, CONSTANTS),
    st.builds("{} {} {} {} {}".format, CONSTANTS, ORDER, NUMBER, ORDER, CONSTANTS),
    st.builds("{} {} {}".format, TERM, ORDER, CONSTANTS),
    st.sampled_from(SINGLES).flatmap(
        lambda q: st.builds(
            f"{q} {{}} '{{}}'".format,
            st.sampled_from(["==", "!="]),
            st.sampled_from(sorted(CHOICES[q])),
        )
    ),
    st.sampled_from(SINGLES).flatmap(
        lambda q: st.lists(st.sampled_from(sorted(CHOICES[q])), min_size=1, max_size=3).map(
            lambda ids: f"{q} in {ids!r}"
        )
    ),
    st.sampled_from(MULTIS).flatmap(
        lambda q: st.builds(
            f"'{{}}' {{}} {q}".format,
            st.sampled_from(sorted(CHOICES[q])),
            st.sampled_from(["in", "not in"]),
        )
    ),
    st.builds("answered({})".format, st.sampled_from(sorted(DEFS.questions))),
)
CONDITIONS = st.recursive(
    ATOM,
    lambda inner: st.one_of(
        st.builds("{} and {}".format, inner, inner),
        st.builds("({} or {})".format, inner, inner),
        st.builds("not ({})".format, inner),
    ),
    max_leaves=5,
)
SYMBOLS = {q: symbol_for(x) for q, x in DEFS.questions.items()}
ALL_CHOICES = frozenset(c for s in SYMBOLS.values() for c in s.choices)
ANSWERS = st.one_of(answer_sets(DEFS), answer_sets(DEFS, step=0.1))


def holds(value: Value, answer: Any, quoted: frozenset[str]) -> bool:
    """True when an abstract value stands for this real answer.

    A choice (or text) not quoted by the conditions stands for every choice not quoted; a
    multiple choice stands for every answer that holds the same quoted choices.
    """
    if answer is None:
        none = value.none if isinstance(value, Num) else None in value.values
        return bool(none)
    if isinstance(value, Num):
        return value.span is not None and value.span.holds(answer)
    if isinstance(value, Picks):
        return frozenset(answer) & quoted in value.values
    assert isinstance(value, Words)
    if answer in quoted:
        return answer in value.values
    return any(v is not None and v not in quoted for v in value.values)


@pytest.mark.parametrize("limit", [lint_space.LIMIT, 6], ids=["enumerated", "mostly-merged"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CONDITIONS, answers=st.lists(ANSWERS, min_size=3, max_size=3))
def test_every_real_answer_set_lies_in_an_abstract_one_whose_truth_covers_it(
    limit: int, text: str, answers: list[dict[str, Any]]
) -> None:
    try:
        condition = compile_condition(text, SYMBOLS, ALL_CHOICES)
    except ConditionError:
        return
    space = AnswerSpace(DEFS, limit)
    tree = space.tree(condition)
    states = list(space.states([tree]))
    quoted = space.quoted([tree])
    verdict = space.outcomes(condition)
    for answer_set in answers:
        real = condition(answer_set)
        if verdict is not None:
            assert real in verdict, (
                f"{text}: the linter says {verdict} but {answer_set} gives {real}"
            )
        if not states:
            continue  # undecided: nothing claimed
        containing = [
            (env, c)
            for env, c in states
            if all(holds(v, answer_set.get(name), quoted) for name, v in env.items())
        ]
        assert containing, f"{text}: no abstract answer set holds {answer_set}"
        for env, counted in containing:
            assert real in Evaluator(env, counted).truth(tree), (text, env, answer_set)


# -- soundness where conditions name scores, findings and the referral level -----------------

FINDING_NAMES = sorted(f.finding.id for f in DEFS.findings)
RULE_SYMBOLS = {
    **SYMBOLS,
    **{f: Symbol("choice", FINDING_VALUES, "finding") for f in FINDING_NAMES},
    "referral_level": Symbol("choice", frozenset(REFERRAL_ORDER), "referral level"),
}
RULE_CONDITIONS = st.recursive(
    st.one_of(
        ATOM,
        st.builds(
            "{} {} '{}'".format,
            st.sampled_from(FINDING_NAMES),
            st.sampled_from(["==", "!="]),
            st.sampled_from(sorted(FINDING_VALUES)),
        ),
        st.lists(st.sampled_from(REFERRAL_ORDER), min_size=1, max_size=3).map(
            lambda levels: f"referral_level in {levels!r}"
        ),
    ),
    lambda inner: st.one_of(
        st.builds("{} and {}".format, inner, inner), st.builds("({} or {})".format, inner, inner)
    ),
    max_leaves=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=RULE_CONDITIONS, answers=st.lists(ANSWERS, min_size=3, max_size=3))
def test_a_verdict_on_findings_and_the_referral_level_holds_for_real_reports(
    text: str, answers: list[dict[str, Any]]
) -> None:
    try:
        condition = compile_condition(text, RULE_SYMBOLS, ALL_CHOICES)
    except ConditionError:
        return
    verdict = AnswerSpace(DEFS).outcomes(condition)
    if verdict is None:
        return
    for answer_set in answers:
        real = condition(decide(DEFS, answer_set).context)
        assert real in verdict, f"{text}: linter {verdict}, {answer_set} gives {real}"


KOOS = load(str(CLINIC / "questionnaires" / "koos.yaml"))
KOOS_SYMBOLS = {
    **{q: symbol_for(x) for q, x in KOOS.questions.items()},
    **{s.score.id: Symbol("number", description="score") for s in KOOS.scores},
}
KOOS_ATOM = st.one_of(
    st.builds(
        "{} {} {}".format,
        st.sampled_from(sorted(s.score.id for s in KOOS.scores)),
        ORDER,
        st.sampled_from([-10, 0, 25, 49.9, 50, 62.5, 100, 120]),
    ),
    st.builds("answered({})".format, st.sampled_from(["koos_pain", "koos_symptoms", "koos_p1"])),
    st.builds("koos_p1 == '{}'".format, st.sampled_from(["never", "always", "weekly"])),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.recursive(
        KOOS_ATOM, lambda inner: st.builds("({} or {})".format, inner, inner), max_leaves=3
    ),
    answers=st.lists(answer_sets(KOOS, edges=True), min_size=3, max_size=3),
)
def test_a_verdict_on_scores_holds_for_real_scores(
    text: str, answers: list[dict[str, Any]]
) -> None:
    condition = compile_condition(text, KOOS_SYMBOLS)
    verdict = AnswerSpace(KOOS).outcomes(condition)
    assert verdict is not None
    for answer_set in answers:
        real = condition(decide(KOOS, answer_set).values)
        assert real in verdict, f"{text}: linter {verdict}, {answer_set} gives {real}"

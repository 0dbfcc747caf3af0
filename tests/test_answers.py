"""Checking answers: every wrong answer names the question, the value given and what is allowed."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.errors import AnswersError
from kinecheck.scoring.answers import AnswerValidator

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"

RED_FLAGS = (
    "a list of: cannot_bear_weight, cannot_bend_90, locking, fast_swelling, hot_red_or_fever, "
    "calf_swelling, numbness_or_cold_foot, deformity, night_or_rest_pain, "
    "unexplained_weight_loss, giving_way_repeatedly, none, not_sure"
)
SPORTS = (
    "a list of: running, cycling, walking, swimming, team_or_court, strength_training, other, none"
)
ACTIVITIES = "a list of: walking, squatting, stairs, running, kneeling, long_sitting, other"
AGE = "a whole number from 5 to 120 (years)"
SITTING = "a number from 0 to 24 (hours)"
KNEE_SIDE = "one of: left, right, both"
YES_NO_NOT_SURE = "one of: yes, no, not_sure"
YES_NO = "one of: yes, no"


@functools.cache
def defs() -> Definitions:
    return api.load("knee-pain")


def desk_worker() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DESK_WORKER.read_text())
    return data


def problems(raw: Any) -> list[str]:
    with pytest.raises(AnswersError) as info:
        api.check_answers(defs(), raw)
    return [str(p) for p in info.value.problems]


MISSING = object()  # a row value that removes the answer

# (id, answers changed from the desk worker's, every problem expected, in order)
BAD: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "unknown id, close to one",
        {"agee": 41},
        ["agee: unknown question id; did you mean 'age'?"],
    ),
    (
        "unknown id, nothing close",
        {"favourite_colour": "blue"},
        ["favourite_colour: unknown question id"],
    ),
    ("text for a number", {"age": "forty"}, [f"age: not a number; allowed: {AGE}"]),
    ("list for a number", {"age": [41]}, [f"age: not a number; allowed: {AGE}"]),
    (
        "number too big",
        {"age": 200},
        [f"age: out of range: it must be between 5 and 120 years; allowed: {AGE}"],
    ),
    (
        "number too small",
        {"sitting_hours": -1},
        [f"sitting_hours: out of range: it must be between 0 and 24 hours; allowed: {SITTING}"],
    ),
    (
        "decimal for a whole number",
        {"age": 41.5},
        [f"age: not a whole number; allowed: {AGE}"],
    ),
    (
        "decimal for a scale",
        {"pain_level": 3.5},
        ["pain_level: not a whole number; allowed: a whole number from 0 to 10"],
    ),
    (
        "not a finite number",
        {"sitting_hours": float("inf")},
        [f"sitting_hours: not a finite number; allowed: {SITTING}"],
    ),
    (
        "yes given for a number",
        {"age": True},
        [f"age: a yes/no answer is not a number; allowed: {AGE}"],
    ),
    (
        "no given for a number",
        {"heel_days_per_week": False},
        [
            "heel_days_per_week: a yes/no answer is not a number; "
            "allowed: a whole number from 0 to 7 (days a week)"
        ],
    ),
    (
        "unknown choice, close to one",
        {"knee_side": "lfet"},
        [f"knee_side: not one of the choices; did you mean 'left'? Allowed: {KNEE_SIDE}"],
    ),
    (
        "unknown choice in the wrong case",
        {"knee_side": "Left"},
        [f"knee_side: not one of the choices; did you mean 'left'? Allowed: {KNEE_SIDE}"],
    ),
    (
        "unknown choice, nothing close",
        {"knee_side": "elbow"},
        [f"knee_side: not one of the choices; allowed: {KNEE_SIDE}"],
    ),
    (
        "list for a single choice",
        {"knee_side": ["left", "right"]},
        [f"knee_side: a list, but this question takes one choice; allowed: {KNEE_SIDE}"],
    ),
    (
        "number for a single choice",
        {"knee_side": 1},
        [f"knee_side: not a choice id; allowed: {KNEE_SIDE}"],
    ),
    (
        "unknown choice in a multiple choice",
        {"sports": ["running", "swiming"]},
        [f"sports: item 2 is not one of the choices; did you mean 'swimming'? Allowed: {SPORTS}"],
    ),
    (
        "none combined with other choices",
        {"red_flags": ["none", "locking"]},
        [
            "red_flags: 'none' (None of these) cannot be combined with other choices; "
            f"allowed: {RED_FLAGS}"
        ],
    ),
    (
        "not sure combined with other choices",
        {"red_flags": ["locking", "not_sure"]},
        [
            "red_flags: 'not_sure' (I'm not sure) cannot be combined with other choices; "
            f"allowed: {RED_FLAGS}"
        ],
    ),
    (
        "duplicate choice",
        {"pain_activities": ["stairs", "squatting", "stairs"]},
        [
            "pain_activities: item 3 repeats an earlier choice; list each choice once; "
            f"allowed: {ACTIVITIES}"
        ],
    ),
    (
        "empty multiple choice",
        {"pain_activities": []},
        [f"pain_activities: nothing was picked: pick at least one choice; allowed: {ACTIVITIES}"],
    ),
    (
        "empty multiple choice that has a none",
        {"sports": []},
        [f"sports: nothing was picked: pick at least one choice (or 'none'); allowed: {SPORTS}"],
    ),
    (
        "numbers in a multiple choice",
        {"red_flags": [1, 2]},
        [f"red_flags: not a list of choice ids; allowed: {RED_FLAGS}"],
    ),
    (
        "missing applicable required answer",
        {"age": MISSING},
        [f"age: missing answer; allowed: {AGE}"],
    ),
    (
        "missing answer that applies because of another",
        {"sports": ["cycling"], "running_cycling_hours": MISSING},
        ["running_cycling_hours: missing answer; allowed: a number from 0 to 40 (hours a week)"],
    ),
    (
        "null for a required question",
        {"knee_side": None},
        [f"knee_side: nothing given, but an answer is required; allowed: {KNEE_SIDE}"],
    ),
    (
        "blank text for a required question",
        {"age": "  "},
        [f"age: only blanks given, but an answer is required; allowed: {AGE}"],
    ),
    (
        "not_sure where it is not offered",
        {"self_tests": "not_sure"},
        [
            "self_tests: 'not_sure' is not offered for this question; answer yes or no; "
            f"allowed: {YES_NO}"
        ],
    ),
    (
        "maybe for a yes/no question",
        {"hips_feel_tight": "maybe"},
        [f"hips_feel_tight: not one of the choices; allowed: {YES_NO_NOT_SURE}"],
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [pytest.param(*row[1:], id=row[0]) for row in BAD]
)
def test_a_wrong_answer_names_question_value_and_what_is_allowed(
    changes: dict[str, Any], expected: list[str]
) -> None:
    raw = desk_worker()
    for key, value in changes.items():
        if value is MISSING:
            del raw[key]
        else:
            raw[key] = value
    assert problems(raw) == expected


def test_every_problem_in_a_file_is_listed_at_once() -> None:
    raw = desk_worker()
    raw.update(agee=41, knee_side="lfet", sitting_hours=30, red_flags=["none", "locking"])
    del raw["age"], raw["floor_comfortable"]
    assert problems(raw) == [
        "agee: unknown question id; did you mean 'age'?",
        f"age: missing answer; allowed: {AGE}",
        f"knee_side: not one of the choices; did you mean 'left'? Allowed: {KNEE_SIDE}",
        f"red_flags: 'none' (None of these) cannot be combined with other choices; "
        f"allowed: {RED_FLAGS}",
        f"sitting_hours: out of range: it must be between 0 and 24 hours; allowed: {SITTING}",
        f"floor_comfortable: missing answer; allowed: {YES_NO}",
    ]


def test_an_empty_answers_mapping_lists_every_required_question() -> None:
    found = problems({})
    assert len(found) == 19
    assert all(": missing answer; allowed: " in p for p in found)
    assert found[0] == f"age: missing answer; allowed: {AGE}"
    # questions that only apply after certain answers are not demanded
    assert not any(
        p.startswith(("chest_symptoms", "running_cycling_hours", "thomas_test")) for p in found
    )


@pytest.mark.parametrize("raw", [[], "age: 41", 41, None])
def test_answers_must_be_a_mapping(raw: Any) -> None:
    assert problems(raw) == [
        "(file): expected a mapping from question id to answer; "
        "allowed: for example: {age: 41, side: left}"
    ]


def test_answers_errors_carry_the_value_for_json_lines_output() -> None:
    raw = desk_worker()
    raw["age"] = "forty"
    with pytest.raises(AnswersError) as info:
        api.check_answers(defs(), raw)
    assert [p.as_dict() for p in info.value.problems] == [
        {"question": "age", "value": "forty", "message": "not a number", "allowed": AGE}
    ]


# -- what is accepted -------------------------------------------------------------------------


def test_answers_to_questions_that_do_not_apply_are_ignored_with_a_warning() -> None:
    raw = desk_worker()
    raw.update(chest_symptoms="yes", thomas_test="not_a_choice", knee_to_wall_left_cm=5)
    checked = api.check_answers(defs(), raw)
    assert "chest_symptoms" not in checked.answers
    assert "thomas_test" not in checked.answers
    assert "knee_to_wall_left_cm" not in checked.answers
    assert checked.warnings == [
        "chest_symptoms: ignored, the question does not apply to these answers",
        "knee_to_wall_left_cm: ignored, the question does not apply to these answers",
        "thomas_test: ignored, the question does not apply to these answers",
    ]


def test_a_question_stops_applying_when_an_earlier_answer_changes() -> None:
    raw = desk_worker()
    raw["sports"] = ["swimming"]  # running_cycling_hours: 3 is still in the file
    checked = api.check_answers(defs(), raw)
    assert "running_cycling_hours" not in checked.answers
    assert checked.warnings == [
        "running_cycling_hours: ignored, the question does not apply to these answers"
    ]


def test_yaml_yes_and_no_are_accepted_for_yes_no_questions() -> None:
    raw = yaml.safe_load(
        DESK_WORKER.read_text()
        .replace("recent_trauma: no", "recent_trauma: No")
        .replace("hips_feel_tight: yes", "hips_feel_tight: true")
        .replace("self_tests: no", "self_tests: off")
    )
    assert raw["recent_trauma"] is False and raw["hips_feel_tight"] is True
    answers = api.check_answers(defs(), raw).answers
    assert answers["recent_trauma"] == "no"
    assert answers["hips_feel_tight"] == "yes"
    assert answers["self_tests"] == "no"
    assert answers["pain_source_known"] == "yes"  # `yes` in the example file is YAML true


def test_the_example_answers_are_valid_and_normalised() -> None:
    checked = api.check_answers(defs(), desk_worker())
    assert checked.warnings == []
    answers = checked.answers
    assert list(answers) == [q for q in defs().questions if q in answers], "questionnaire order"
    assert answers["age"] == 41
    assert answers["pain_activities"] == ["squatting", "stairs"], "choices in questionnaire order"
    assert answers["red_flags"] == ["none"]


@pytest.mark.parametrize(
    ("question", "given", "stored"),
    [
        ("age", 41.0, 41),
        ("sitting_hours", 6.5, 6.5),
        ("sitting_hours", 0, 0),
        ("sitting_hours", 24, 24),
        ("pain_level", 0, 0),
        ("knee_side", "both", "both"),
        ("red_flags", "none", ["none"]),
        ("sports", ["cycling", "running"], ["running", "cycling"]),
        ("calves_feel_tight", "not_sure", "not_sure"),
    ],
)
def test_answers_are_accepted_in_the_forms_people_write_them(
    question: str, given: Any, stored: Any
) -> None:
    raw = desk_worker()
    raw[question] = given
    answers = api.check_answers(defs(), raw).answers
    assert answers[question] == stored
    assert type(answers[question]) is type(stored)


def test_optional_questions_may_be_left_out_or_null() -> None:
    raw = desk_worker()
    raw.update(self_tests="yes", thomas_test="level", knee_to_wall_left_cm=None)
    answers = api.check_answers(defs(), raw).answers
    assert answers["thomas_test"] == "level"
    assert answers.get("knee_to_wall_left_cm") is None
    assert "knee_to_wall_right_cm" not in answers


def test_a_partial_answer_set_is_accepted_when_asked_for() -> None:
    checked = api.check_answers(defs(), {"age": 41, "knee_side": "left"}, partial=True)
    assert checked.answers == {"age": 41, "knee_side": "left"}


def test_one_answer_is_checked_the_same_way_as_a_whole_file() -> None:
    validator = AnswerValidator(defs())
    value, problem = validator.check_one("knee_side", "lfet")
    assert value is None and problem is not None
    raw = desk_worker()
    raw["knee_side"] = "lfet"
    assert problems(raw) == [str(problem)]
    assert validator.check_one("sitting_hours", "7,5") == (7.5, None)


@pytest.mark.parametrize(
    ("question", "given", "message"),
    [
        ("age", "41", "a number in quotes is text: write the number without quotes"),
        (
            "sitting_hours",
            "6,5",
            "a number in quotes is text: write the number without quotes, with a dot for decimals",
        ),
    ],
)
def test_a_number_written_as_text_in_a_file_is_refused_with_the_fix(
    question: str, given: str, message: str
) -> None:
    raw = desk_worker()
    raw[question] = given
    with pytest.raises(AnswersError) as caught:
        api.check_answers(defs(), raw)
    assert [p.message for p in caught.value.problems] == [message]


def test_typed_text_is_still_read_as_a_number() -> None:
    assert AnswerValidator(defs()).check_one("age", " 41 ") == (41, None)
    assert AnswerValidator(defs()).check_one("sitting_hours", "6,5") == (6.5, None)

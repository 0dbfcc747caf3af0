"""Properties of every report, over answer sets generated from the knee-pain questionnaire.

The invariants come from /work/shared/contract.md (the JSON report) and /work/shared/domain.md
(points, levels, the cap, referral reasons, plan status and exercise choice).
"""

from __future__ import annotations

import html
import json
import random
import re
from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from kinecheck.api import Report, assess, check_answers, load
from kinecheck.definitions.questionnaire import (
    Integer,
    MultiChoice,
    NumberBase,
    QuestionBase,
    SingleChoice,
    Text,
    YesNo,
)
from kinecheck.errors import AnswersError
from kinecheck.render import FORMATS, renderer
from kinecheck.render.jsonout import render as render_json
from strategies import answer_sets, raw_answer_sets, without_skipped

DEFS = load("knee-pain")
PROPERTY = settings(max_examples=200, deadline=None)
RENDERING = settings(max_examples=60, deadline=None)  # rich is slow; 4 renderers per example

LEVEL_RANK = {"none": 0, "routine": 1, "soon": 2, "urgent": 3, "emergency": 4}
WITHHOLDING_LEVELS = {"soon", "urgent", "emergency"}
EXERCISES_OF = {
    "hip_immobility": {"tfl_ball_rolling", "side_lying_leg_lift"},
    "ankle_immobility": {"ankle_mobility_stretch", "calf_raise_to_toe_raise"},
}
URGENT_FLAGS = {
    "cannot_bear_weight",
    "cannot_bend_90",
    "locking",
    "fast_swelling",
    "hot_red_or_fever",
    "calf_swelling",
    "numbness_or_cold_foot",
    "deformity",
}
SOON_FLAGS = {"night_or_rest_pain", "unexplained_weight_loss", "giving_way_repeatedly"}
EXERCISE_NAMES = [e.name for e in DEFS.library.exercises]


def report_for(answers: dict[str, Any]) -> Report:
    return assess(DEFS, check_answers(DEFS, answers).answers)


# -- domain.md, written out independently of the rule files ------------------------------------


def _measured(answers: dict[str, Any], *ids: str) -> list[Fraction]:
    """The answers given, as exact numbers: 9.7 - 7.7 is 2 cm to the person who typed them."""
    return [Fraction(str(answers[q])) for q in ids if answers.get(q) is not None]


def domain_scores(a: dict[str, Any]) -> dict[str, int]:
    """Points of each finding, from domain.md's tables (questions not asked earn nothing)."""
    sitting, sport = a["sitting_hours"], a.get("running_cycling_hours")
    hip = 2 if sitting >= 8 else 1 if sitting >= 5 else 0
    if sport is not None:
        hip += 2 if sport >= 5 else 1 if sport >= 2 else 0
    hip += (a["hips_feel_tight"] == "yes") + (a.get("thomas_test") == "above_horizontal")

    heels, sprains = a["heel_days_per_week"], a["ankle_sprains"]
    ankle = (2 if heels >= 3 else 1 if heels >= 1 else 0) + min(sprains, 2)
    ankle += (a["ankle_gives_way"] == "yes") + (a["calves_feel_tight"] == "yes")
    wall = _measured(a, "knee_to_wall_left_cm", "knee_to_wall_right_cm")
    if wall and min(wall) < 9:
        ankle += 2
    if len(wall) == 2 and abs(wall[0] - wall[1]) >= 2:
        ankle += 1
    balance = _measured(a, "balance_left_s", "balance_right_s")
    if balance and min(balance) < 20:
        ankle += 1
    return {"hip_immobility": hip, "ankle_immobility": ankle}


def knee_to_wall_cap_applies(a: dict[str, Any]) -> bool:
    wall = _measured(a, "knee_to_wall_left_cm", "knee_to_wall_right_cm")
    return len(wall) == 2 and min(wall) >= 12 and abs(wall[0] - wall[1]) < 1.5


def domain_level(finding: str, score: int, a: dict[str, Any]) -> str:
    if score == 0:
        return "none"
    if score >= 3:
        capped = finding == "ankle_immobility" and knee_to_wall_cap_applies(a)
        return "possible" if capped else "likely"
    return "possible"


def not_sure_count(a: dict[str, Any]) -> int:
    return sum(v == "not_sure" or (isinstance(v, list) and "not_sure" in v) for v in a.values())


def domain_reasons(a: dict[str, Any], fired: set[str]) -> dict[str, str]:
    """Referral reason id -> level, from domain.md's table."""
    flags = set(a["red_flags"])
    reasons = {}
    if a.get("chest_symptoms") == "yes":
        reasons["chest_symptoms"] = "emergency"
    knock = a["recent_trauma"] in ("yes", "not_sure")  # not sure reads as a possible knock
    if knock and (a["age"] >= 55 or flags & {"cannot_bear_weight", "cannot_bend_90"}):
        reasons["ottawa_knee_rule"] = "urgent"
    reasons |= {f"red_flag_{f}": "urgent" for f in flags & URGENT_FLAGS}
    reasons |= {f"red_flag_{f}": "soon" for f in flags & SOON_FLAGS}
    if "not_sure" in flags:
        reasons["red_flags_unsure"] = "soon"
    routine = {
        "recent_trauma": knock,
        "current_injury": a["current_injury"] in ("yes", "not_sure"),
        "pain_source_unclear": a["pain_source_known"] in ("no", "not_sure"),
        "referred_pain": bool(set(a["other_pain"]) & {"hip_or_groin", "back_with_leg_symptoms"}),
        "under_18": a["age"] < 18,
        "no_pattern_found": not fired,
        "many_not_sure": not_sure_count(a) >= 3,
    }
    return reasons | {reason: "routine" for reason, fires in routine.items() if fires}


def has_warning_sign(a: dict[str, Any]) -> bool:
    """A red flag ticked (or 'not sure'), chest symptoms, or the Ottawa knee rule."""
    reasons = domain_reasons(a, fired={"any"})
    return any(LEVEL_RANK[level] >= LEVEL_RANK["soon"] for level in reasons.values())


# -- findings ---------------------------------------------------------------------------------


@PROPERTY
@given(st.one_of(answer_sets(DEFS), answer_sets(DEFS, step=0.1)))
def test_finding_scores_and_levels_follow_domain(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    got = {f.id: (f.level, f.score) for f in report.findings}
    for finding, score in domain_scores(answers).items():
        level = domain_level(finding, score, answers)
        expected = None if level == "none" else (level, score)
        assert got.get(finding) == expected, f"{finding}: domain.md gives {expected}"


@PROPERTY
@given(answer_sets(DEFS))
def test_evidence_points_add_up_to_the_score(answers: dict[str, Any]) -> None:
    for finding in report_for(answers).findings:
        assert finding.evidence, f"{finding.id} fired without evidence"
        assert sum(e.points for e in finding.evidence) == finding.score
        for e in finding.evidence:
            assert e.answer == answers[e.question], "evidence shows a different answer"


@PROPERTY
@given(answer_sets(DEFS))
def test_level_is_likely_from_three_points_unless_capped(answers: dict[str, Any]) -> None:
    for f in report_for(answers).findings:
        assert f.score >= 1
        if f.capped:
            assert (f.level, f.score >= 3) == ("possible", True)
            assert knee_to_wall_cap_applies(answers)
        else:
            assert f.level == ("likely" if f.score >= 3 else "possible")


@PROPERTY
@given(answer_sets(DEFS))
def test_findings_suggest_and_never_diagnose(answers: dict[str, Any]) -> None:
    for f in report_for(answers).findings:
        statement = f.statement.lower()
        assert "suggest" in statement, f.statement
        assert "you have" not in statement and "diagnos" not in statement, f.statement


# -- referral ---------------------------------------------------------------------------------


@PROPERTY
@given(answer_sets(DEFS))
def test_referral_reasons_follow_domain(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    fired = {f.id for f in report.findings}
    got = {r.id: r.level for r in report.referral.reasons}
    assert len(got) == len(report.referral.reasons), "a reason is listed twice"
    assert got == domain_reasons(answers, fired)


@PROPERTY
@given(answer_sets(DEFS))
def test_referral_level_is_the_highest_reason_level(answers: dict[str, Any]) -> None:
    referral = report_for(answers).referral
    assert (referral.reasons == []) == (referral.level == "none")
    highest = max((r.level for r in referral.reasons), key=LEVEL_RANK.__getitem__, default="none")
    assert referral.level == highest


# -- plan -------------------------------------------------------------------------------------


@PROPERTY
@given(answer_sets(DEFS))
def test_plan_status_follows_referral_and_injury(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    if report.referral.level in WITHHOLDING_LEVELS:
        expected = "withheld"
    elif "not_sure" in (answers["current_injury"], answers["recent_trauma"]) or "yes" in (
        answers["current_injury"],
        answers["recent_trauma"],
    ):
        expected = "after_clearance"
    else:
        expected = "ready"
    assert report.plan_status == expected


@PROPERTY
@given(answer_sets(DEFS))
def test_not_sure_of_a_knock_never_weighs_less_than_a_sure_knock(answers: dict[str, Any]) -> None:
    sure = report_for({**answers, "recent_trauma": "yes"})
    unsure = report_for({**answers, "recent_trauma": "not_sure"})
    assert LEVEL_RANK[unsure.referral.level] >= LEVEL_RANK[sure.referral.level]
    assert {r.id for r in sure.referral.reasons} <= {r.id for r in unsure.referral.reasons}
    assert (unsure.plan_status == "withheld") >= (sure.plan_status == "withheld")
    assert sure.plan_status != "ready" and unsure.plan_status != "ready"


@PROPERTY
@given(answer_sets(DEFS))
def test_plan_holds_both_exercises_of_each_fired_finding(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    exercises = [item.exercise for item in report.plan]
    assert len(exercises) == len(set(exercises)), f"an exercise is listed twice: {exercises}"
    if report.plan_status == "withheld":
        assert exercises == []
    else:
        wanted = set().union(*(EXERCISES_OF[f.id] for f in report.findings))
        assert set(exercises) == wanted
        # so the plan is empty (and withheld is not the reason) exactly when nothing fired
        assert (exercises == []) == (report.findings == [])


@PROPERTY
@given(answer_sets(DEFS))
def test_every_mobility_exercise_comes_before_every_stability_one(answers: dict[str, Any]) -> None:
    kinds = [item.kind for item in report_for(answers).plan]
    assert kinds == sorted(kinds, key=["mobility", "stability"].index), kinds


@PROPERTY
@given(answer_sets(DEFS))
def test_variants_and_missing_equipment_fit_the_person(answers: dict[str, Any]) -> None:
    # (when the plan is withheld these were never asked, and the plan is empty)
    have = set(answers.get("equipment") or [])
    floor_ok = answers.get("floor_comfortable") == "yes"
    expected_variant = {
        "ankle_mobility_stretch": "weight_or_block" if "weight_or_block" in have else "wall",
        "calf_raise_to_toe_raise": "wall",
        "tfl_ball_rolling": "floor" if floor_ok else "wall",
        "side_lying_leg_lift": "bench" if "bench" in have else "floor",
    }
    for item in report_for(answers).plan:
        assert item.variant == expected_variant[item.exercise], item.exercise
        needs_ball = item.exercise == "tfl_ball_rolling" and "ball" not in have
        assert item.missing_equipment == (["ball"] if needs_ball else []), item.exercise
        for missing in item.missing_equipment:
            assert item.substitutes.get(missing), f"no household substitute for {missing}"


@PROPERTY
@given(answer_sets(DEFS))
def test_a_warning_sign_means_no_exercises(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    if has_warning_sign(answers):
        assert report.plan == [] and report.plan_status == "withheld"
        assert LEVEL_RANK[report.referral.level] >= LEVEL_RANK["soon"]


# -- rendering --------------------------------------------------------------------------------


def readable(output: str, fmt: str) -> str:
    """The words of a rendered report, with markup entities, box lines and wrapping undone."""
    if fmt == "html":
        output = html.unescape(output)
    output = re.sub(r"[│╭╮╰╯─]", " ", output)
    return re.sub(r"\s+", " ", output)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@RENDERING
@given(answer_sets(DEFS))
def test_every_format_carries_the_disclaimer_and_the_stop_rule_with_exercises(
    answers: dict[str, Any],
) -> None:
    report = report_for(answers)
    assert report.disclaimer.strip() and report.stop_rule.strip()
    for fmt in FORMATS:
        output = renderer(fmt)(report)
        if fmt == "json":
            data = json.loads(output)
            assert (data["disclaimer"], data["stop_rule"]) == (report.disclaimer, report.stop_rule)
            continue
        text = readable(output, fmt)
        assert words(report.disclaimer) in text, f"{fmt} output lacks the disclaimer"
        # the stop rule is about exercises: shown exactly when there are exercises to stop
        shown = words(report.stop_rule) in text
        assert shown == bool(report.plan), f"{fmt}: stop rule shown={shown}, plan={report.plan}"


@RENDERING
@given(answer_sets(DEFS))
def test_notes_about_self_tests_appear_only_when_those_tests_were_done(
    answers: dict[str, Any],
) -> None:
    notes = " ".join(n for f in report_for(answers).findings for n in f.notes)
    knee_to_wall = any(answers.get(f"knee_to_wall_{s}_cm") is not None for s in ("left", "right"))
    balance = any(answers.get(f"balance_{s}_s") is not None for s in ("left", "right"))
    hip_test = answers.get("thomas_test") not in (None, "not_done")
    assert ("knee-to-wall" in notes) <= knee_to_wall
    assert ("Balance times" in notes) <= balance
    assert ("hip test on the bed" in notes) <= hip_test


@RENDERING
@given(answer_sets(DEFS))
def test_the_referral_leads_every_human_format(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    for fmt in ("text", "markdown", "html"):
        text = readable(renderer(fmt)(report), fmt)
        shown = [name for name in EXERCISE_NAMES if name in text]
        if has_warning_sign(answers):
            assert shown == [], f"{fmt} output shows exercises despite a warning sign: {shown}"
        if report.referral.level == "none":
            continue
        where = text.find(words(report.referral.message))
        assert where >= 0, f"{fmt} output lacks the referral message"
        later = [words(f.statement) for f in report.findings]
        later += [words(report.plan_status_message), *shown]
        for part in later:
            assert part in text, f"{fmt} output lacks '{part[:40]}...'"
            assert where < text.find(part), f"{fmt}: '{part[:40]}...' comes before the referral"


@RENDERING
@given(answer_sets(DEFS))
def test_json_report_has_the_contract_fields(answers: dict[str, Any]) -> None:
    data = json.loads(renderer("json")(report_for(answers)))
    assert data["schema_version"] == 1
    assert {"questionnaire", "rules", "answers", "findings", "referral", "plan_status"} <= set(data)
    assert data["questionnaire"]["id"] == data["rules"]["id"] == "knee-pain"
    for item in data["plan"]:
        per_side = item["dose"]["min_total_seconds_per_side"]
        assert per_side is None or isinstance(per_side, int)


# -- determinism and round trips --------------------------------------------------------------


@PROPERTY
@given(raw_answer_sets(DEFS), st.randoms(use_true_random=False))
def test_assess_is_deterministic_and_ignores_answer_order(
    raw: dict[str, Any], rnd: random.Random
) -> None:
    report = report_for(raw)
    assert report_for(raw) == report
    keys = list(raw)
    rnd.shuffle(keys)
    assert report_for({k: raw[k] for k in keys}) == report, "answer order changed the report"


@PROPERTY
@given(answer_sets(DEFS))
def test_json_report_round_trips(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    contract = TypeAdapter(Report)  # pydantic checks the JSON against the report's types
    assert contract.validate_json(render_json(report)) == report


@PROPERTY
@given(answer_sets(DEFS))
def test_report_answers_are_the_checked_answers_minus_skipped(answers: dict[str, Any]) -> None:
    checked = check_answers(DEFS, answers).answers
    assert report_for(answers).answers == without_skipped(checked)


# -- the answers check ------------------------------------------------------------------------


@PROPERTY
@given(answer_sets(DEFS))
def test_validator_accepts_generated_answers_as_a_fixed_point(answers: dict[str, Any]) -> None:
    checked = check_answers(DEFS, answers)
    assert checked.warnings == []
    assert checked.answers == answers
    assert check_answers(DEFS, checked.answers).answers == checked.answers


@PROPERTY
@given(raw_answer_sets(DEFS))
def test_answers_files_in_json_and_yaml_read_back_the_same(raw: dict[str, Any]) -> None:
    expected = check_answers(DEFS, raw).answers
    assert check_answers(DEFS, json.loads(json.dumps(raw))).answers == expected
    assert check_answers(DEFS, yaml.safe_load(yaml.safe_dump(raw))).answers == expected


def invalid_answers(question: QuestionBase) -> st.SearchStrategy[Any]:
    """Values an answers file might hold that this question must refuse."""
    unknown = st.sampled_from(["maybe", "definitely_not_a_choice", "Yes"])
    if isinstance(question, NumberBase):
        step = 1 if isinstance(question, Integer) else 0.5
        outside = st.sampled_from([question.min - step, question.max + step, -1e9, 1e9])
        wrong = [outside, st.just("lots"), st.just([1])]
        if isinstance(question, Integer):
            wrong.append(st.just(question.min + 0.5))
        return st.one_of(wrong)
    if isinstance(question, MultiChoice):
        exclusive = [c.id for c in question.choices if c.exclusive]
        other = next(c.id for c in question.choices if not c.exclusive)
        options = [unknown.map(lambda v: [other, v]), st.just([]), st.just([other, other])]
        options += [st.just([e, other]) for e in exclusive]
        return st.one_of(options)
    if isinstance(question, SingleChoice | YesNo):
        return st.one_of(unknown, st.just(["yes"]), st.just(3))
    assert isinstance(question, Text)
    return st.just("x" * (question.max_length + 1))


def problem_ids(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(AnswersError) as error:
        check_answers(DEFS, raw)
    return [p.question for p in error.value.problems]


@PROPERTY
@given(raw_answer_sets(DEFS), st.data())
def test_one_bad_answer_is_rejected_by_its_question_id(raw: dict[str, Any], data: Any) -> None:
    question_id = data.draw(st.sampled_from(sorted(raw)), label="question")
    bad = data.draw(invalid_answers(DEFS.questions[question_id]), label="bad value")
    assert question_id in problem_ids({**raw, question_id: bad})


@PROPERTY
@given(raw_answer_sets(DEFS), st.data())
def test_a_missing_required_answer_is_rejected_by_its_question_id(
    raw: dict[str, Any], data: Any
) -> None:
    required = sorted(q for q in raw if not DEFS.questions[q].optional)
    question_id = data.draw(st.sampled_from(required), label="question")
    rest = {k: v for k, v in raw.items() if k != question_id}
    assert question_id in problem_ids(rest)


@PROPERTY
@given(raw_answer_sets(DEFS))
def test_an_unknown_question_id_is_rejected_by_name(raw: dict[str, Any]) -> None:
    assert "sitting_hour" in problem_ids({**raw, "sitting_hour": 8})


@PROPERTY
@given(answer_sets(DEFS))
def test_plan_message_never_promises_exercises_it_does_not_list(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    plan_rules = DEFS.rules.plan
    if report.plan_status == "withheld":
        assert report.plan_status_message == plan_rules.status_messages["withheld"]
    elif not report.plan:
        assert report.plan_status_message == plan_rules.empty_message
    else:
        assert report.plan_status_message == plan_rules.status_messages[report.plan_status]


# -- once the plan cannot be given, nothing only the plan needs is asked ----------------------

PLAN_ONLY = frozenset(qid for qid, q in DEFS.questions.items() if q.only_for_plan)


def test_the_knee_pain_questionnaire_marks_what_only_the_plan_needs() -> None:
    assert {"self_tests", "equipment", "floor_comfortable"} == PLAN_ONLY


@PROPERTY
@given(answer_sets(DEFS))
def test_a_withheld_plan_never_asked_what_only_the_plan_needs(answers: dict[str, Any]) -> None:
    report = report_for(answers)
    asked = set(report.answers) | {k for k, v in answers.items() if v is None}
    if report.plan_status == "withheld":
        assert not asked & PLAN_ONLY, "a question only the plan needs was asked"
        assert not {"knee_to_wall_left_cm", "balance_left_s", "thomas_test"} & asked
    else:
        assert {"self_tests", "equipment", "floor_comfortable"} <= set(report.answers)


@PROPERTY
@given(answer_sets(DEFS), st.data())
def test_answers_only_the_plan_needs_never_change_the_referral_or_withholding(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    report = report_for(answers)
    extra = {
        "self_tests": "no",
        "equipment": data.draw(st.sampled_from([["ball"], ["none"], ["bench", "weight_or_block"]])),
        "floor_comfortable": data.draw(st.sampled_from(["yes", "no"])),
    }
    with_extra = check_answers(
        DEFS, {**answers, **{k: v for k, v in extra.items() if k not in answers}}
    )
    again = assess(DEFS, with_extra.answers)
    assert again.referral == report.referral
    assert (again.plan_status == "withheld") == (report.plan_status == "withheld")


@RENDERING
@given(answer_sets(DEFS))
def test_the_text_report_ends_with_a_short_summary_of_what_matters(
    answers: dict[str, Any],
) -> None:
    """A long report scrolls its top away: its last lines say the urgency, findings, plan."""
    report = report_for(answers)
    text = renderer("text")(report)
    tail = text.splitlines()[-12:]  # what a small terminal still shows above the save question
    flat = " ".join(" ".join(line.strip("│╭╮╰╯─ ").split()) for line in tail)
    assert "In short" in flat
    assert words(report.referral.title) in flat
    for f in report.findings:
        assert f"{words(f.title)} ({f.level})" in flat
    names = [words(item.name) for item in report.plan]
    positions = [flat.find(f"{i}. {name}") for i, name in enumerate(names, 1)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)

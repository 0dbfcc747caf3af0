"""`kinecheck why`: the trace of one assessment, in words a kinesiologist can follow, and as JSON.

The text is read as a person reads it (whole lines, wide enough not to wrap); the JSON is
held to the report `assess` gives for the same answers, case by case, so the trace can never
explain something other than what the engine decided.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinecheck.api import assess, check_answers, load
from kinecheck.scoring.cases import case_files, read_case_file
from kinecheck.scoring.trace import focus, trace
from test_cli import DESK_WORKER, ROOT, cli, desk_worker, run

WIDE = {"COLUMNS": "400"}  # no line wraps, so a line can be asserted whole
CLINIC = ROOT / "examples" / "clinic"


def why(*args: str, env: dict[str, str] | None = None) -> str:
    result = run("why", *args, env={**WIDE, **(env or {})})
    assert result.code == 0, result
    return result.stdout


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def answers_file(tmp_path: Path, **changes: Any) -> str:
    path = tmp_path / "answers.yaml"
    data = {k: v for k, v in desk_worker(**changes).items() if v is not None}
    path.write_text(yaml.safe_dump(data))
    return str(path)


# -- the desk worker ---------------------------------------------------------------------------


def test_why_explains_the_desk_worker_step_by_step() -> None:
    text = why("knee-pain", "--answers", str(DESK_WORKER))
    got = lines(text)
    assert got[0].startswith("Why knee-pain ")
    assert got[0].endswith(f", for {DESK_WORKER}.")
    expected = [
        # questions: asked or not, and the condition that decided it, with what it compared
        "Questions: 20 asked, 6 not asked",
        "sitting_hours         9",
        "running_cycling_hours 3, asked because this holds: 'running' in sports or 'cycling' "
        "in sports [sports = ['running']]",
        "thomas_test           not asked, because this does not hold: self_tests == 'yes' "
        "[self_tests = 'no']",
        # each finding's rows, held or not, and its total against the thresholds
        "Finding hip_immobility (Limited hip mobility): likely, 4 points (possible from 1, "
        "likely from 3)",
        "+2 sitting_hours >= 8 [sitting_hours = 9]",
        "no 5 <= sitting_hours < 8 [sitting_hours = 9] (would give 1)",
        "+1 2 <= running_cycling_hours < 5 [running_cycling_hours = 3]",
        "+1 hips_feel_tight == 'yes' [hips_feel_tight = 'yes']",
        "no thomas_test == 'above_horizontal' [thomas_test: not asked] (would give 1)",
        "Finding ankle_immobility (Limited ankle mobility): possible, 1 point (possible from 1, "
        "likely from 3)",
        "+1 ankle_sprains == 1 [ankle_sprains = 1]",
        # every referral reason, with the findings' levels and count() spelled out
        "Referral: none, no reason held",
        "no under_18 (routine): age < 18 [age = 41]",
        "no no_pattern_found (routine): hip_immobility == 'none' and ankle_immobility == 'none' "
        "[hip_immobility = 'likely'; ankle_immobility = 'possible']",
        "no many_not_sure (routine): count('not_sure') >= 3 "
        "[count('not_sure') = 1: calves_feel_tight]",
        "Plan status: ready (no status rule held)",
        "no withheld: referral_level in ['soon', 'urgent', 'emergency'] [referral_level = 'none']",
        # each exercise, and why this variant
        "Plan: 4 exercises, mobility before stability",
        "1. tfl_ball_rolling (mobility), variant floor, for hip_immobility",
        "no  wall: floor_comfortable == 'no' [floor_comfortable = 'yes']",
        "yes floor: no condition (the fallback)",
        "4. calf_raise_to_toe_raise (stability), variant wall, for ankle_immobility",
    ]
    missing = [line for line in expected if line not in got]
    assert not missing, text
    # in the order a person reads the report: questions, findings, referral, status, plan
    headings = ["Questions:", "Finding hip", "Finding ankle", "Referral:", "Plan status:", "Plan:"]
    places = [next(i for i, line in enumerate(got) if line.startswith(h)) for h in headings]
    assert places == sorted(places)


def test_why_wraps_at_the_terminal_width_with_hanging_lines() -> None:
    result = run("why", "knee-pain", "--answers", str(DESK_WORKER), env={"COLUMNS": "60"})
    assert result.code == 0, result
    out = result.stdout.splitlines()
    assert max(len(line) for line in out) <= 60
    at = out.index("  running_cycling_hours 3, asked because this holds:")
    assert out[at + 1] == " " * 24 + "'running' in sports or 'cycling' in"


# -- one part only -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "heading"),
    [
        ("thomas_test", "Question"),
        ("hip_immobility", "Finding hip_immobility (Limited hip mobility): likely, 4 points"),
        ("no_pattern_found", "Referral reason (the referral level is none)"),
        ("side_lying_leg_lift", "Exercise"),
    ],
)
def test_an_id_shows_only_that_part(item_id: str, heading: str) -> None:
    text = why("knee-pain", "--answers", str(DESK_WORKER), item_id)
    got = lines(text)
    assert f"Only '{item_id}'." in got
    assert any(line.startswith(heading) for line in got), text
    for other in ("Questions:", "Finding ankle_immobility", "Referral:", "Plan status:", "Plan:"):
        assert not any(line.startswith(other) for line in got), text


def test_an_unknown_id_is_refused_with_a_suggestion() -> None:
    result = cli("why", "knee-pain", "--answers", str(DESK_WORKER), "hip_imobility")
    assert result.code == 2
    rules = load("knee-pain").rules
    assert result.stderr == (
        "error: 'hip_imobility' is not a question, score, finding, referral reason or exercise "
        f"of {rules.id} {rules.version}; did you mean 'hip_immobility'?\n"
    )


# -- what else a trace explains ----------------------------------------------------------------


def test_a_withheld_plan_explains_the_questions_and_exercises_it_left_out(tmp_path: Path) -> None:
    path = answers_file(tmp_path, red_flags=["locking"], equipment=None, floor_comfortable=None)
    got = lines(why("knee-pain", "--answers", path))
    assert (
        "equipment             not asked, because it only serves the exercise plan, which the "
        "answers before it already withhold"
    ) in got
    assert "Referral: urgent, the highest level of a reason that held" in got
    assert "yes red_flag_locking (urgent): 'locking' in red_flags [red_flags = ['locking']]" in got
    assert "Plan status: withheld (the first status rule that held)" in got
    assert "Plan: no exercises" in got
    assert "tfl_ball_rolling        not in the plan: the plan is withheld" in got


def test_a_cap_that_lowered_a_finding_says_so(tmp_path: Path) -> None:
    path = answers_file(
        tmp_path,
        heel_days_per_week=3,
        ankle_sprains=2,
        self_tests="yes",
        knee_to_wall_left_cm=12,
        knee_to_wall_right_cm=13,
        thomas_test="not_done",
    )
    text = why("knee-pain", "--answers", path, "ankle_immobility")
    assert "Finding ankle_immobility (Limited ankle mobility): possible (capped), 4 points" in text
    assert "[balance_left_s: no answer; balance_right_s: no answer] (would give 1)" in text
    cap = next(line for line in lines(text) if "cap, at most possible" in line)
    assert cap.startswith("yes cap, at most possible: answered(knee_to_wall_left_cm)")
    assert cap.endswith(
        "[knee_to_wall_left_cm = 12; knee_to_wall_right_cm = 13]; it lowered likely to possible"
    )


def test_a_variant_chosen_by_a_rule_and_missing_equipment(tmp_path: Path) -> None:
    path = answers_file(tmp_path, equipment=["bench"])
    got = lines(why("knee-pain", "--answers", path))
    assert "yes bench: 'bench' in equipment [equipment = ['bench']]" in got
    assert "3. side_lying_leg_lift (stability), variant bench, for hip_immobility" in got
    assert "missing equipment: ball" in got


def test_a_score_shows_its_items_and_the_missing_item_rule(tmp_path: Path) -> None:
    path = tmp_path / "lefs.yaml"
    path.write_text(yaml.safe_dump({f"lefs_{i:02d}": "moderate" for i in range(1, 17)}))
    text = why("lefs", "--answers", str(path), env={"KINECHECK_PATH": str(CLINIC)})
    got = lines(text)
    assert "Score lefs (LEFS): 40, band 'moderate difficulty'" in got
    assert (
        "the sum of 20 items; at most 4 may be missing, made up for in proportion. "
        "16 answered, 4 missing."
    ) in got
    assert "lefs_01 'moderate' counts 2" in got
    assert "lefs_20 no answer" in got
    assert "Then rounded to a whole number." in got
    assert "Each condition" not in text  # LEFS has no condition to explain


def test_invalid_answers_are_listed_as_assess_lists_them(tmp_path: Path) -> None:
    path = answers_file(tmp_path, age=300)
    result = run("why", "knee-pain", "--answers", path)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: 1 problem with the answers in {path}:\n")
    assert "age: out of range" in result.stderr


def test_answers_from_standard_input_and_the_help() -> None:
    result = cli("why", "knee-pain", "--answers", "-", "age", stdin=DESK_WORKER.read_text())
    assert result.code == 0, result
    assert "for standard input." in result.stdout
    assert "age 41" in result.stdout
    helped = cli("why", "--help")
    assert "Example: kinecheck why knee-pain --answers answers.yaml" in helped.stdout


# -- the JSON, held to the report --------------------------------------------------------------


def test_json_is_the_trace_as_data() -> None:
    result = run("why", "knee-pain", "--answers", str(DESK_WORKER), "--format", "json")
    assert result.code == 0, result
    data = json.loads(result.stdout)
    thomas = next(q for q in data["questions"] if q["id"] == "thomas_test")
    assert thomas == {
        "id": "thomas_test",
        "section": thomas["section"],
        "asked": False,
        "answer": None,
        "when": {
            "condition": "self_tests == 'yes'",
            "held": False,
            "values": {"self_tests": "no"},
            "missing": {},
            "counted": {},
        },
        "plan_withheld": False,
    }
    hip = data["findings"][0]
    assert (hip["id"], hip["level"], hip["score"]) == ("hip_immobility", "likely", 4)
    assert hip["rows"][5]["test"]["missing"] == {"thomas_test": "not asked"}
    assert data["plan_status"] == "ready"
    assert [e["variant"] for e in data["exercises"]] == ["floor", "wall", "floor", "wall"]


CASES = [c for path in case_files([ROOT / "rules" / "cases"]) for c in read_case_file(path).cases]


def test_the_trace_tells_what_the_report_says_for_every_bundled_case() -> None:
    defs = load("knee-pain")
    for case in CASES:
        answers = check_answers(defs, case.answers).answers
        report = assess(defs, answers)
        explained = trace(defs, answers)
        fired = {f.id: (f.level, f.score) for f in report.findings}
        assert {f.id: (f.level, f.score) for f in explained.findings if f.level} == fired
        for finding in explained.findings:
            held = sum(r.points for r in finding.rows if r.test.held)
            assert held == finding.score, case.name
        assert explained.referral_level == report.referral.level
        held_reasons = {r.id for r in explained.reasons if r.test.held}
        assert held_reasons == {r.id for r in report.referral.reasons}, case.name
        assert explained.plan_status == report.plan_status
        planned = [(e.id, e.variant) for e in explained.exercises if e.place is not None]
        assert planned == [(i.exercise, i.variant) for i in report.plan], case.name
        asked = [q.id for q in explained.questions if q.asked and q.answer is not None]
        assert asked == [q for q, v in answers.items() if v is not None], case.name
        assert focus(explained, "age").questions[0].answer == answers["age"]

"""`smallest_real_change` and `better` in the definitions, and how a change is judged by them.

The figures are clinical content, so they are in the YAML with their sources (knee-to-wall
1.5 cm, pain 2 points, LEFS 9 points), checked by `kinecheck validate` like every field, and
kept by the definitions cache. `compare_reports` turns two report JSON documents into judged
changes; these tests hold it to what a kinesiologist reckons by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinecheck import api
from kinecheck.clinic.changes import Change, compare_reports
from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.questionnaire import NumberBase
from kinecheck.render import renderer

ROOT = Path(__file__).resolve().parent.parent
KNEE = api.load("knee-pain", cache=False)
LEFS = api.load(str(ROOT / "examples" / "clinic" / "questionnaires" / "lefs.yaml"), cache=False)
DESK_WORKER = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())

QUESTIONNAIRE = """\
id: grip
title: Grip and pain
version: "1.0.0"
sections:
  - id: tests
    title: Tests
    questions:
      - id: grip_kg
        type: number
        prompt: Grip strength
        min: 0
        max: 100
        unit: kg
        smallest_real_change: 3
      - id: ache
        type: scale
        prompt: Ache today
        smallest_real_change: 2
        better: lower
      - id: hands
        type: multi
        prompt: Which hands
        choices:
          - {id: left, label: Left hand}
          - {id: right, label: Right hand}
      - id: feel
        type: yes_no
        prompt: Feels better
        optional: true
"""
RULES = """\
id: grip
version: "1.0.0"
questionnaire: grip
disclaimer: Not medical advice.
scores:
  - id: total
    title: Total
    items: [grip_kg, ache]
    method: sum
    missing: {max: 1}
    range: {min: 0, max: 110}
    smallest_real_change: 4
"""


def write(folder: Path, questionnaire: str = QUESTIONNAIRE, rules: str = RULES) -> Path:
    (folder / "questionnaires").mkdir(exist_ok=True)
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "grip.yaml").write_text(rules)
    path = folder / "questionnaires" / "grip.yaml"
    path.write_text(questionnaire)
    return path


def report(defs: Definitions, answers: dict[str, Any]) -> dict[str, Any]:
    """The report JSON (the contract) of the answers, as a clinic database stores it."""
    data: dict[str, Any] = json.loads(renderer("json")(api.assess_raw(defs, answers)))
    return data


def changed(defs: Definitions, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Change]:
    return {c.id: c for c in compare_reports(defs, report(defs, before), report(defs, after))}


# -- the figures in the shipped definitions -------------------------------------------------------


def test_the_shipped_definitions_declare_the_published_figures() -> None:
    declared = {
        q.id: (q.smallest_real_change, q.better)
        for q in KNEE.questions.values()
        if isinstance(q, NumberBase) and (q.smallest_real_change or q.better)
    }
    assert declared == {
        "pain_level": (2, "lower"),
        "knee_to_wall_left_cm": (1.5, "higher"),
        "knee_to_wall_right_cm": (1.5, "higher"),
    }
    (lefs,) = [c.score for c in LEFS.scores]
    assert (lefs.smallest_real_change, lefs.better) == (9, "higher")
    assert KNEE.questionnaire_ref.version == "1.0.1"  # the file changed, so did its version


def test_the_cache_keeps_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KINECHECK_CACHE", raising=False)
    path = write(tmp_path)
    fresh = api.load(str(path))  # reads the files and writes the cache entry
    assert list((tmp_path / "cache").rglob("*.json"))
    cached = api.load(str(path))  # rebuilt from the entry
    assert cached.questionnaire == fresh.questionnaire and cached.rules == fresh.rules
    grip = cached.questions["grip_kg"]
    assert isinstance(grip, NumberBase) and grip.smallest_real_change == 3
    assert cached.scores[0].score.smallest_real_change == 4


# -- validate: a wrong figure is found at its file, line and field ------------------------------


def test_validate_names_file_line_and_field_of_a_wrong_figure(tmp_path: Path) -> None:
    questionnaire = (
        QUESTIONNAIRE.replace("smallest_real_change: 3", "smallest_real_change: 0")
        .replace("better: lower", "better: less")
        .replace("        optional: true\n", "        optional: true\n        better: higher\n")
        .replace("        smallest_real_change: 2\n", "        smallest_real_change: -1.5\n")
    )
    rules = RULES.replace("smallest_real_change: 4", "smallest_real_change: .inf")
    path = write(tmp_path, questionnaire, rules)
    rules_path = tmp_path / "rules" / "grip.yaml"

    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "validate", str(path), str(rules_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    q = "sections[tests].questions"
    assert done.stderr.splitlines() == [
        f"FAIL {path}",
        f"  {path}:14: {q}[grip_kg].smallest_real_change: 0 is too small: it must be above 0",
        f"  {path}:18: {q}[ache].smallest_real_change: -1.5 is too small: it must be above 0",
        f"  {path}:19: {q}[ache].better: 'less' is not allowed; expected 'higher' or 'lower'",
        f"  {path}:30: {q}[feel].better: 'better' applies only to integer, number and scale "
        "questions (and scores), not to a yes_no question (remove the 'better:' line)",
        f"FAIL {rules_path}",
        f"  {rules_path}:12: scores[total].smallest_real_change: infinity is not allowed: "
        "numbers in a definition must be finite (write a number between -10^15 and 10^15)",
        "2 of 2 files failed",
    ]


def test_a_figure_on_a_choice_question_is_refused(tmp_path: Path) -> None:
    questionnaire = QUESTIONNAIRE.replace(
        "        prompt: Which hands\n",
        "        prompt: Which hands\n        smallest_real_change: 1\n",
    )
    path = write(tmp_path, questionnaire)
    from kinecheck.errors import DefinitionError

    with pytest.raises(DefinitionError) as raised:
        api.load(str(path), cache=False)
    (problem,) = raised.value.problems
    assert (problem.line, problem.field) == (
        23,
        "sections[tests].questions[hands].smallest_real_change",
    )
    assert str(problem.message) == (
        "'smallest_real_change' applies only to integer, number and scale questions "
        "(and scores), not to a multi question"
    )


# -- judging a change ---------------------------------------------------------------------------


def knee(**changes: Any) -> dict[str, Any]:
    return {
        **DESK_WORKER,
        "self_tests": "yes",
        "knee_to_wall_left_cm": 8.0,
        "knee_to_wall_right_cm": 8.3,
        "thomas_test": "level",
        "pain_level": 6,
        **changes,
    }


@pytest.mark.parametrize(
    ("before", "after", "verdict", "direction"),
    [
        (8.0, 9.0, "no real change", None),
        (8.0, 9.4, "no real change", None),
        (8.0, 9.5, "real change", "better"),  # exactly the smallest real change counts
        (8.0, 10.0, "real change", "better"),
        (8.3, 6.8, "real change", "worse"),  # 1.5 exactly, though 8.3 - 6.8 is not in floats
        (8.0, 8.0, "no real change", None),
    ],
)
def test_knee_to_wall_is_judged_against_1_5_cm(
    before: float, after: float, verdict: str, direction: str | None
) -> None:
    found = changed(KNEE, knee(knee_to_wall_left_cm=before), knee(knee_to_wall_left_cm=after))
    change = found["knee_to_wall_left_cm"]
    assert (change.verdict, change.direction, change.smallest_real_change) == (
        verdict,
        direction,
        1.5,
    )
    assert change.difference == pytest.approx(after - before)


@pytest.mark.parametrize(
    ("after", "verdict", "direction"),
    [(5, "no real change", None), (3, "real change", "better"), (8, "real change", "worse")],
)
def test_pain_is_judged_against_two_points_lower_being_better(
    after: int, verdict: str, direction: str | None
) -> None:
    change = changed(KNEE, knee(), knee(pain_level=after))["pain_level"]
    assert (change.before, change.after, change.verdict, change.direction) == (
        "6",
        str(after),
        verdict,
        direction,
    )


def test_only_what_differs_is_listed_besides_the_judged_measures(tmp_path: Path) -> None:
    defs = api.load(str(write(tmp_path)), cache=False)
    first = {"grip_kg": 30, "ache": 5, "hands": ["left", "right"]}
    same = {"grip_kg": 30, "ache": 5, "hands": ["right", "left"]}  # the same choices
    assert [(c.id, c.verdict) for c in changed(defs, first, same).values()] == [
        ("grip_kg", "no real change"),
        ("ache", "no real change"),
        ("total", "no real change"),
    ]

    later = {"grip_kg": 36, "ache": 5, "hands": ["left"], "feel": "yes"}
    found = changed(defs, first, later)
    grip = found["grip_kg"]
    # a real change, but the definitions do not say which way is better: no direction
    assert (grip.before, grip.after, grip.verdict, grip.direction) == (
        "30 kg",
        "36 kg",
        "real change",
        None,
    )
    assert (found["hands"].before, found["hands"].after, found["hands"].verdict) == (
        "Left hand, Right hand",
        "Left hand",
        "changed",
    )
    assert (found["feel"].before, found["feel"].after, found["feel"].verdict) == (
        None,
        "Yes",
        "new",
    )
    assert (found["total"].kind, found["total"].difference, found["total"].verdict) == (
        "score",
        6,
        "real change",
    )

    # a score that is not scored (too many items missing) has no value: it is "gone"
    not_scored = report(defs, first)
    not_scored["scores"][0].update(value=None, band=None, scored=False)
    (unscored,) = [
        c for c in compare_reports(defs, report(defs, first), not_scored) if c.id == "total"
    ]
    assert (unscored.before, unscored.after, unscored.verdict) == ("35", None, "gone")


def test_findings_and_the_referral_are_compared_by_level() -> None:
    found = changed(
        KNEE,
        knee(),
        knee(sitting_hours=6, hips_feel_tight="no", current_injury="yes"),
    )
    hip = found["hip_immobility"]
    assert (hip.kind, hip.title, hip.before, hip.after, hip.verdict) == (
        "finding",
        "Limited hip mobility",
        "likely",
        "possible",
        "changed",
    )
    referral = found["referral"]
    assert (referral.kind, referral.title, referral.before, referral.after) == (
        "referral",
        "Referral",
        "none",
        "routine",
    )
    gone = changed(
        KNEE, knee(), knee(sitting_hours=0, hips_feel_tight="no", running_cycling_hours=0)
    )
    assert (gone["hip_immobility"].before, gone["hip_immobility"].after) == ("likely", None)
    assert gone["hip_immobility"].verdict == "gone"
    came = changed(
        KNEE, knee(sitting_hours=0, hips_feel_tight="no", running_cycling_hours=0), knee()
    )
    assert came["hip_immobility"].verdict == "new"


def test_the_lefs_score_is_judged_against_nine_points() -> None:
    def answers(total: int) -> dict[str, str]:
        names = ["extreme", "quite_a_bit", "moderate", "a_little", "no_difficulty"]
        values = [4] * (total // 4) + ([total % 4] if total % 4 else [])
        values += [0] * (20 - len(values))
        return {f"lefs_{i + 1:02d}": names[v] for i, v in enumerate(values)}

    small = changed(LEFS, answers(40), answers(48))["lefs"]
    assert (small.before, small.after, small.verdict) == ("40", "48", "no real change")
    large = changed(LEFS, answers(48), answers(39))["lefs"]
    assert (large.difference, large.verdict, large.direction) == (-9, "real change", "worse")

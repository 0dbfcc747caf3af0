"""Guarantees over the whole answer space: what every report promises, whatever the answers.

Every knee-pain report validates against the report schema (`kinecheck schema report`, as a
user gets it); its referral is at least urgent whenever an urgent warning sign is present; its
plan is empty whenever the referral is soon or higher; it lists every mobility exercise before
any stability one; its disclaimer is not empty; and it is the same on every run, in another
process as well. The answers come from the generic generator of tests/strategies.py (numbers
often at the rules' own cut-offs), and the block of warning-sign answers (the knock, every
combination of red flags, the chest question) is tried exhaustively. The clinic's example
questionnaires are generated from the same way and their reports checked the same.

"An urgent warning sign" is written out here from /work/shared/domain.md, not read from the
rules, so a rules file that lost one would be caught.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinecheck.api import Report, assess, check_answers, load
from kinecheck.definitions.compiled import Definitions
from kinecheck.render import renderer
from kinecheck.scoring.flow import prune
from strategies import answer_sets

ROOT = Path(__file__).resolve().parent.parent
KNEE = load("knee-pain")
CLINIC = {
    path.stem: load(str(path))
    for path in sorted((ROOT / "examples" / "clinic" / "questionnaires").glob("*.yaml"))
}
LEVELS = ("none", "routine", "soon", "urgent", "emergency")
KIND_ORDER = ("mobility", "stability")
# domain.md: these red flags each mean "get checked today"
URGENT_FLAGS = frozenset(
    {
        "cannot_bear_weight",
        "cannot_bend_90",
        "locking",
        "fast_swelling",
        "hot_red_or_fever",
        "calf_swelling",
        "numbness_or_cold_foot",
        "deformity",
    }
)
MANY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _schema() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "schema", "report"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    schema: dict[str, Any] = json.loads(done.stdout)
    return schema


REPORT_SCHEMA = jsonschema.Draft202012Validator(_schema())
TO_JSON = renderer("json")


def urgent_sign(answers: dict[str, Any]) -> bool:
    """An urgent red flag, chest symptoms with a swollen calf, or the Ottawa knee rule."""
    flags = set(answers["red_flags"])
    knock = answers["recent_trauma"] in ("yes", "not_sure")  # not sure reads as a knock
    ottawa = knock and (
        answers["age"] >= 55 or bool(flags & {"cannot_bear_weight", "cannot_bend_90"})
    )
    return bool(flags & URGENT_FLAGS) or answers.get("chest_symptoms") == "yes" or ottawa


def checked_report(defs: Definitions, answers: dict[str, Any], *, schema: bool = True) -> Report:
    """The report of valid answers, with every guarantee any report makes checked."""
    report = assess(defs, check_answers(defs, answers).answers)
    text = TO_JSON(report)
    if schema:
        errors = [e.message for e in REPORT_SCHEMA.iter_errors(json.loads(text))]
        assert errors == [], errors
    assert report.disclaimer.strip(), "a report without its disclaimer"
    kinds = [item.kind for item in report.plan]
    assert kinds == sorted(kinds, key=KIND_ORDER.index), f"stability before mobility: {kinds}"
    if LEVELS.index(report.referral.level) >= LEVELS.index("soon"):
        assert report.plan == [], f"exercises despite a {report.referral.level} referral"
    again = assess(defs, check_answers(defs, answers).answers)
    assert again == report and TO_JSON(again) == text, "another run gave another report"
    return report


def checked_knee_report(answers: dict[str, Any], *, schema: bool = True) -> Report:
    report = checked_report(KNEE, answers, schema=schema)
    if urgent_sign(answers):
        level = report.referral.level
        assert LEVELS.index(level) >= LEVELS.index("urgent"), f"an urgent sign gave {level}"
    return report


# -- any answer set ---------------------------------------------------------------------------


@MANY
@given(answer_sets(KNEE, edges=True))
def test_every_knee_pain_report_keeps_its_guarantees(answers: dict[str, Any]) -> None:
    checked_knee_report(answers)


@SOME
@given(answer_sets(KNEE, step=0.1, edges=True))
def test_every_knee_pain_report_keeps_them_with_decimals_too(answers: dict[str, Any]) -> None:
    checked_knee_report(answers)


@pytest.mark.parametrize("questionnaire", sorted(CLINIC))
@SOME
@given(data=st.data())
def test_every_report_of_the_clinic_examples_keeps_its_guarantees(
    questionnaire: str, data: st.DataObject
) -> None:
    defs = CLINIC[questionnaire]
    answers = data.draw(answer_sets(defs, edges=True), label="answers")
    checked_report(defs, answers)


# -- the warning signs, every combination ----------------------------------------------------

DESK_WORKER = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())
BASES = {
    "desk worker, 41": DESK_WORKER,
    "desk worker, 55": {**DESK_WORKER, "age": 55},
    "injured, sure of the cause, 70": {
        **DESK_WORKER,
        "age": 70,
        "current_injury": "yes",
        "pain_source_known": "yes",
        "self_tests": "yes",
        "knee_to_wall_left_cm": 4,
        "knee_to_wall_right_cm": 12,
        "balance_left_s": 10,
        "balance_right_s": 30,
        "thomas_test": "above_horizontal",
    },
}


def red_flag_answers() -> Iterator[list[str]]:
    """Every answer red_flags accepts: one exclusive choice, or any set of the others."""
    question = KNEE.questions["red_flags"]
    exclusive = [c.id for c in question.choices if c.exclusive]  # type: ignore[attr-defined]
    others = [c.id for c in question.choices if not c.exclusive]  # type: ignore[attr-defined]
    yield from ([e] for e in exclusive)
    for size in range(1, len(others) + 1):
        for picked in itertools.combinations(others, size):
            yield list(picked)


def warning_sign_blocks() -> Iterator[dict[str, Any]]:
    """Every combination of the warning-sign answers, the chest question only where asked."""
    for knock in ("yes", "no", "not_sure"):
        for flags in red_flag_answers():
            block = {"recent_trauma": knock, "red_flags": flags}
            if "calf_swelling" in flags:
                for chest in ("yes", "no"):
                    yield {**block, "chest_symptoms": chest}
            else:
                yield block


def test_the_red_flags_are_every_answer_the_question_accepts() -> None:
    flags = list(red_flag_answers())
    assert len(flags) == 2**11 - 1 + 2  # any non-empty set of the 11, or 'none', or 'not sure'
    assert len({tuple(f) for f in flags}) == len(flags)


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_combination_of_warning_signs_keeps_the_guarantees(base: str) -> None:
    tried = urgent = 0
    for n, block in enumerate(warning_sign_blocks()):
        # the rest of the answers as they would be given: the plan's questions only where asked
        answers, _ = prune(KNEE, {**BASES[base], **block})
        report = checked_knee_report(answers, schema=n % 50 == 0)
        tried += 1
        urgent += LEVELS.index(report.referral.level) >= LEVELS.index("urgent")
    # knock x (2 exclusive + 1023 sets without calf swelling + 1024 with it, chest yes or no)
    assert tried == 3 * (2 + (2**10 - 1) + 2 * 2**10)
    assert urgent > tried // 2


# -- the same report on every run, in another process too ------------------------------------


def test_reports_are_identical_in_every_process(tmp_path: Path) -> None:
    """A batch scored in two processes with different hash seeds gives the same bytes."""
    blocks = list(warning_sign_blocks())[::97]
    answer_sets_ = [prune(KNEE, {**DESK_WORKER, **b})[0] for b in blocks]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(a) + "\n" for a in answer_sets_))
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "KINECHECK_CACHE": "off"}
        done = subprocess.run(
            [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "-a", str(batch)],
            capture_output=True,
            check=False,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    lines = outputs[0].decode().splitlines()
    assert len(lines) == len(answer_sets_)
    for line, answers in zip(lines, answer_sets_, strict=True):
        in_this_process = json.loads(TO_JSON(assess(KNEE, check_answers(KNEE, answers).answers)))
        assert json.loads(line) == in_this_process

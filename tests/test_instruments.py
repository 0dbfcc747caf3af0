"""Three instruments a clinic writes in YAML alone (examples/clinic, found via KINECHECK_PATH).

- LEFS: 20 items valued 0-4, a sum over 0-80, up to 4 missing items prorated, example bands;
- two KOOS subscales: the mean of items valued 0-4 (two of them reverse-scored), rescaled to
  100 - 25 x mean (100 best) with one decimal, not scored past 2 missing items;
- a PAR-Q+ style screening: 7 yes/no questions, a follow-up section asked only after a yes,
  any yes -> see a professional, all no -> the `none` level's "cleared" advice.

These are the acceptance tests of the scores design (issue #10). Every expected number is
worked out by hand in a comment beside it; the property tests redo the arithmetic here, from
the YAML data read with yaml.safe_load, never from the engine. Item wording is placeholder text:
the wording of these instruments belongs to their authors.
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kinecheck import api
from kinecheck.cli import app
from kinecheck.errors import AnswersError
from kinecheck.render.jsonout import render as render_json

ROOT = Path(__file__).resolve().parent.parent
CLINIC = ROOT / "examples" / "clinic"
INSTRUMENTS = ("lefs", "koos", "parq-plus")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROPERTY = settings(max_examples=200, deadline=None)


# -- the clinic's files, read here as plain YAML (no kinecheck) -------------------------------


@functools.cache
def definition(kind: str, name: str) -> dict[str, Any]:
    """examples/clinic/<kind>/<name>.yaml as data (anchors and `<<` merges expanded).

    Shared between calls: callers read it and never change it.
    """
    data: dict[str, Any] = yaml.safe_load((CLINIC / kind / f"{name}.yaml").read_text())
    return data


def choice_values(name: str) -> dict[str, dict[str, Any]]:
    """{question id: {choice id: value}} for every choice question of a clinic questionnaire."""
    questionnaire = definition("questionnaires", name)
    return {
        q["id"]: {c["id"]: c.get("value") for c in q["choices"]}
        for section in questionnaire["sections"]
        for q in section["questions"]
        if "choices" in q
    }


def score_spec(name: str, score_id: str) -> dict[str, Any]:
    """One entry of the rules file's `scores`."""
    spec: dict[str, Any] = next(
        s for s in definition("rules", name)["scores"] if s["id"] == score_id
    )
    return spec


def answers_for(name: str, score_id: str, values: list[int | None]) -> dict[str, str]:
    """Answers giving each item of a score the choice whose `value` is given (None: left out).

    The values are the choices' own values, before any reverse-scoring.
    """
    items = score_spec(name, score_id)["items"]
    table = choice_values(name)
    return {
        item: next(c for c, v in table[item].items() if v == value)
        for item, value in zip(items, values, strict=True)
        if value is not None
    }


# -- running kinecheck ------------------------------------------------------------------------


@pytest.fixture
def clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clinic's folder on KINECHECK_PATH, as a clinic sets it up."""
    monkeypatch.setenv("KINECHECK_PATH", str(CLINIC))


def report_of(defs: api.Definitions, raw: dict[str, Any]) -> dict[str, Any]:
    """The JSON report (the contract) for raw answers, through the library API."""
    report = api.assess(defs, api.check_answers(defs, raw).answers)
    data: dict[str, Any] = json.loads(render_json(report))
    return data


def assess(name: str, raw: dict[str, Any], *, cache: bool = False) -> dict[str, Any]:
    """Load a clinic questionnaire by name (KINECHECK_PATH must be set) and assess answers."""
    return report_of(api.load(name, cache=cache), raw)


def scores_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in report["scores"]}


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[:3000]}\nstderr: {self.stderr[:3000]}>"


def cli(*args: str, path: Path = CLINIC) -> Result:
    """`kinecheck ARGS` in this process, with KINECHECK_PATH pointing at `path`."""
    env = {"KINECHECK_PATH": str(path), "COLUMNS": "100", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kinecheck {' '.join(args)} raised {result.exception!r}")
    return Result(result.exit_code, result.stdout, result.stderr)


def write_answers(tmp_path: Path, answers: dict[str, Any], name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    return path


_BOX = re.compile(r"[│─╭╮╰╯┃━┏┓┗┛]")


def flat(text: str) -> str:
    """The words of a report on one line: no wrapping, boxes, tags or Markdown emphasis."""
    return " ".join(_BOX.sub(" ", text).split())


def human_report(name: str, answers: Path, fmt: str) -> str:
    """A text, Markdown or HTML report from `kinecheck assess`, flattened to its words."""
    result = cli("assess", name, "-a", str(answers), "-f", fmt)
    assert result.code == 0, result
    out = result.stdout
    if fmt == "html":
        out = html.unescape(re.sub(r"<[^>]+>", " ", out))
    if fmt == "markdown":
        out = out.replace("**", "").replace("`", "")
    return flat(out)


HUMAN_FORMATS = ("text", "markdown", "html")


# -- LEFS: a sum, prorated --------------------------------------------------------------------


def lefs(value: float, band: str, answered: int = 20) -> dict[str, Any]:
    """The LEFS entry of the JSON report when it is scored."""
    return {
        "id": "lefs",
        "title": "LEFS",
        "value": value,
        "min": 0,
        "max": 80,
        "band": band,
        "answered": answered,
        "missing": 20 - answered,
        "scored": True,
        "why_not_scored": None,
    }


def lefs_not_scored(answered: int) -> dict[str, Any]:
    missing = 20 - answered
    return {
        "id": "lefs",
        "title": "LEFS",
        "value": None,
        "min": 0,
        "max": 80,
        "band": None,
        "answered": answered,
        "missing": missing,
        "scored": False,
        "why_not_scored": f"{missing} of 20 items unanswered; at most 4 may be",
    }


N = None  # an item left unanswered
LEFS_CASES = [
    # complete answers: the sum, no prorating
    pytest.param(
        [3] * 17 + [2] * 3,
        lefs(57, "moderate difficulty"),  # 3*17 + 2*3 = 51 + 6 = 57; 40 <= 57 <= 59
        id="complete-57",
    ),
    pytest.param(
        [4] * 20,
        lefs(80, "little or no difficulty"),  # 4*20 = 80, the best total
        id="best-80",
    ),
    pytest.param(
        [0] * 20,
        lefs(0, "extreme difficulty"),  # 0*20 = 0, the worst total, and a 0 is a score
        id="worst-0",
    ),
    # band edges: the first band whose max >= value (19 | 39 | 59 | 80)
    pytest.param(
        [4] * 4 + [3] + [0] * 15,
        lefs(19, "extreme difficulty"),  # 4*4 + 3 = 19 <= 19
        id="band-19",
    ),
    pytest.param(
        [4] * 5 + [0] * 15,
        lefs(20, "quite a bit of difficulty"),  # 4*5 = 20 > 19, <= 39
        id="band-20",
    ),
    pytest.param(
        [4] * 9 + [3] + [0] * 10,
        lefs(39, "quite a bit of difficulty"),  # 4*9 + 3 = 36 + 3 = 39 <= 39
        id="band-39",
    ),
    pytest.param(
        [4] * 10 + [0] * 10,
        lefs(40, "moderate difficulty"),  # 4*10 = 40 > 39, <= 59
        id="band-40",
    ),
    pytest.param(
        [4] * 14 + [3] + [0] * 5,
        lefs(59, "moderate difficulty"),  # 4*14 + 3 = 56 + 3 = 59 <= 59
        id="band-59",
    ),
    pytest.param(
        [4] * 15 + [0] * 5,
        lefs(60, "little or no difficulty"),  # 4*15 = 60 > 59, <= 80
        id="band-60",
    ),
    # missing items: prorated up to 4, the band read from the prorated value
    pytest.param(
        [2] * 19 + [N],
        lefs(40, "moderate difficulty", answered=19),  # 2*19 = 38; 38*20/19 = 40
        id="1-missing",
    ),
    pytest.param(
        [4] * 9 + [3] * 7 + [N] * 4,
        lefs(71, "little or no difficulty", answered=16),  # 36+21 = 57; 57*20/16 = 71.25 -> 71
        id="4-missing-prorated",
    ),
    pytest.param(
        [3] * 14 + [4] * 2 + [N] * 4,
        # 42+8 = 50; 50*20/16 = 62.5 -> 63: half away from zero (half to even would give 62)
        lefs(63, "little or no difficulty", answered=16),
        id="4-missing-half-rounds-up",
    ),
    pytest.param(
        [N, 1, 1, 1, 1, N, 1, 1, 1, 1, N, 1, 1, 1, 1, 1, 1, 1, 1, N],
        lefs(20, "quite a bit of difficulty", answered=16),  # 1*16 = 16; 16*20/16 = 20
        id="4-missing-scattered",
    ),
    pytest.param(
        [4] * 16 + [N] * 4,
        lefs(80, "little or no difficulty", answered=16),  # 4*16 = 64; 64*20/16 = 80, not more
        id="4-missing-best",
    ),
    pytest.param(
        [0] * 16 + [N] * 4,
        lefs(0, "extreme difficulty", answered=16),  # 0*16 = 0; 0*20/16 = 0
        id="4-missing-worst",
    ),
    # past the limit: not scored, with the reason
    pytest.param(
        [4] * 15 + [N] * 5,
        lefs_not_scored(answered=15),  # 5 missing > 4: not scored (prorated it would be 80)
        id="5-missing-not-scored",
    ),
    pytest.param(
        [N, 2, 2, 2, N, 2, 2, 2, N, 2, 2, 2, N, 2, 2, 2, N, 2, 2, 2],
        lefs_not_scored(answered=15),  # 5 missing > 4, scattered
        id="5-missing-scattered",
    ),
]


@pytest.mark.usefixtures("clinic")
@pytest.mark.parametrize(("values", "expected"), LEFS_CASES)
def test_lefs_is_the_sum_of_its_items_prorated_up_to_4_missing(
    values: list[int | None], expected: dict[str, Any]
) -> None:
    report = assess("lefs", answers_for("lefs", "lefs", values))
    assert report["scores"] == [expected]


@pytest.mark.usefixtures("clinic")
def test_lefs_with_no_item_answered_is_not_scored() -> None:
    score = scores_of(assess("lefs", {}))["lefs"]
    assert (score["scored"], score["value"], score["band"]) == (False, None, None)
    assert (score["answered"], score["missing"]) == (0, 20)
    assert score["why_not_scored"]


@pytest.mark.usefixtures("clinic")
def test_a_missing_item_may_be_written_as_null() -> None:
    values: list[int | None] = [3] * 16 + [N] * 4
    answers: dict[str, Any] = answers_for("lefs", "lefs", values)
    answers.update({"lefs_17": None, "lefs_18": None, "lefs_19": None, "lefs_20": None})
    # 3*16 = 48; 48*20/16 = 60
    assert assess("lefs", answers)["scores"] == [lefs(60, "little or no difficulty", 16)]


@pytest.mark.usefixtures("clinic")
def test_a_scores_only_rules_file_reports_nothing_else() -> None:
    report = assess("lefs", answers_for("lefs", "lefs", [3] * 17 + [2] * 3))
    assert report["findings"] == []
    assert report["plan"] == []
    assert report["referral"]["level"] == "none"
    assert report["referral"]["reasons"] == []
    assert report["disclaimer"] == " ".join(definition("rules", "lefs")["disclaimer"].split())


# -- LEFS through the command line -------------------------------------------------------------


def test_lefs_through_the_cli_as_json(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, answers_for("lefs", "lefs", [3] * 17 + [2] * 3))
    result = cli("assess", "lefs", "-a", str(answers), "-f", "json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["scores"] == [lefs(57, "moderate difficulty")]  # 3*17 + 2*3 = 57
    assert report["questionnaire"]["id"] == "lefs"


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
@pytest.mark.parametrize(
    ("values", "line"),
    [
        pytest.param(
            [3] * 17 + [2] * 3,
            "LEFS 57 / 80 (moderate difficulty)",  # 3*17 + 2*3 = 57
            id="57",
        ),
        pytest.param([0] * 20, "LEFS 0 / 80 (extreme difficulty)", id="0"),  # 0*20 = 0
        pytest.param([4] * 20, "LEFS 80 / 80 (little or no difficulty)", id="80"),  # 4*20 = 80
        pytest.param(
            [4] * 9 + [3] * 7 + [N] * 4,
            "LEFS 71 / 80 (little or no difficulty)",  # 57*20/16 = 71.25 -> 71
            id="prorated-71",
        ),
        pytest.param(
            [4] * 15 + [N] * 5,
            "LEFS: not scored (5 of 20 items unanswered; at most 4 may be)",
            id="not-scored",
        ),
    ],
)
def test_lefs_shows_in_every_human_report(
    tmp_path: Path, fmt: str, values: list[int | None], line: str
) -> None:
    answers = write_answers(tmp_path, answers_for("lefs", "lefs", values))
    report = human_report("lefs", answers, fmt)
    assert line in report
    assert " ".join(definition("rules", "lefs")["disclaimer"].split()) in report


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_nulls_in_an_answers_file_are_missing_items(tmp_path: Path, fmt: str) -> None:
    answers = tmp_path / "answers.yaml"
    lines = [f"lefs_{i:02d}: no_difficulty" for i in range(1, 16)]
    lines += [f"lefs_{i:02d}: null" for i in range(16, 21)]
    answers.write_text("\n".join(lines) + "\n")
    report = human_report("lefs", answers, fmt)
    # 5 of 20 written as null: 5 > 4, not scored
    assert "LEFS: not scored (5 of 20 items unanswered; at most 4 may be)" in report


# -- KOOS: a rescaled mean, reverse-scored items, one decimal ----------------------------------


def koos(score_id: str, value: float, answered: int, items: int) -> dict[str, Any]:
    return {
        "id": score_id,
        "title": {"koos_pain": "KOOS Pain", "koos_symptoms": "KOOS Symptoms"}[score_id],
        "value": value,
        "min": 0,
        "max": 100,
        "band": None,  # no bands declared
        "answered": answered,
        "missing": items - answered,
        "scored": True,
        "why_not_scored": None,
    }


def koos_not_scored(score_id: str, answered: int, items: int) -> dict[str, Any]:
    entry = koos(score_id, 0, answered, items)
    missing = items - answered
    entry.update(
        value=None,
        scored=False,
        why_not_scored=f"{missing} of {items} items unanswered; at most 2 may be",
    )
    return entry


def pain(value: float, answered: int = 9) -> dict[str, Any]:
    return koos("koos_pain", value, answered, 9)


def symptoms(value: float, answered: int = 7) -> dict[str, Any]:
    return koos("koos_symptoms", value, answered, 7)


PAIN_CASES = [
    pytest.param(
        [2, 1, 1, 1, 2, 1, 0, 1, 1],
        pain(72.2),  # sum 10, mean 10/9 = 1.1111; 100 - 25*1.1111 = 100 - 27.78 = 72.22 -> 72.2
        id="complete",
    ),
    pytest.param([0] * 9, pain(100), id="best-100"),  # mean 0; 100 - 0 = 100
    pytest.param([4] * 9, pain(0), id="worst-0"),  # mean 4; 100 - 25*4 = 0
    pytest.param([2] * 9, pain(50), id="middle-50"),  # mean 2; 100 - 50 = 50
    pytest.param(
        [1, 1, 1, 1, 1, 2, 2, N, N],
        pain(67.9, answered=7),  # 2 missing: sum 9 over 7, mean 1.2857; 100 - 32.142857 -> 67.9
        id="2-missing",
    ),
    pytest.param(
        [0, 1, 1, 1, 1, 1, 1, 0, N],
        # 1 missing: sum 6 over 8, mean 0.75; 100 - 18.75 = 81.25 -> 81.3 (half away from zero)
        pain(81.3, answered=8),
        id="1-missing-half",
    ),
    pytest.param(
        [4, 4, 4, 4, 4, 4, N, N, N],
        koos_not_scored("koos_pain", answered=6, items=9),  # 3 missing > 2
        id="3-missing-not-scored",
    ),
]

# Symptom values are the choices' own values; koos_s4 and koos_s5 are reverse-scored: 0+4-v.
SYMPTOM_CASES = [
    pytest.param(
        [1, 2, 1, 2, 3, 1, 1],
        # s4: 4-2 = 2, s5: 4-3 = 1; 1+2+1+2+1+1+1 = 9, mean 9/7 = 1.2857;
        # 100 - 32.142857 = 67.857 -> 67.9 (without reversing: 11/7 -> 60.7)
        symptoms(67.9),
        id="complete-reversed",
    ),
    pytest.param(
        [0] * 7,
        # every choice valued 0, but s4, s5 reverse to 4: 8/7 = 1.142857; 100 - 28.571 -> 71.4
        symptoms(71.4),
        id="all-zero-is-not-best",
    ),
    pytest.param(
        [0, 0, 0, 4, 4, 0, 0],
        symptoms(100),  # s4, s5: 4-4 = 0; mean 0; 100
        id="best-100",
    ),
    pytest.param(
        [4, 4, 4, 0, 0, 4, 4],
        symptoms(0),  # s4, s5: 4-0 = 4; mean 28/7 = 4; 100 - 100 = 0
        id="worst-0",
    ),
    pytest.param(
        [0, 1, 0, N, 4, 0, N],
        symptoms(95, answered=5),  # s5: 4-4 = 0; 0+1+0+0+0 = 1 over 5, mean 0.2; 100 - 5 = 95
        id="2-missing-one-reversed",
    ),
    pytest.param(
        [N, N, N, 0, 0, 0, 0],
        koos_not_scored("koos_symptoms", answered=4, items=7),  # 3 missing > 2
        id="3-missing-not-scored",
    ),
]


@pytest.mark.usefixtures("clinic")
@pytest.mark.parametrize(("values", "expected"), PAIN_CASES)
def test_koos_pain_is_100_minus_25_times_the_mean(
    values: list[int | None], expected: dict[str, Any]
) -> None:
    answers = answers_for("koos", "koos_pain", values)
    assert scores_of(assess("koos", answers))["koos_pain"] == expected


@pytest.mark.usefixtures("clinic")
@pytest.mark.parametrize(("values", "expected"), SYMPTOM_CASES)
def test_koos_symptoms_reverse_score_two_items(
    values: list[int | None], expected: dict[str, Any]
) -> None:
    answers = answers_for("koos", "koos_symptoms", values)
    assert scores_of(assess("koos", answers))["koos_symptoms"] == expected


@pytest.mark.usefixtures("clinic")
def test_both_koos_subscales_in_rules_file_order() -> None:
    answers = {
        **answers_for("koos", "koos_pain", [2, 1, 1, 1, 2, 1, 0, 1, 1]),  # -> 72.2
        **answers_for("koos", "koos_symptoms", [1, 2, 1, 2, 3, 1, 1]),  # -> 67.9
    }
    assert assess("koos", answers)["scores"] == [pain(72.2), symptoms(67.9)]


@pytest.mark.usefixtures("clinic")
@pytest.mark.parametrize(
    ("values", "level", "reasons"),
    [
        pytest.param([4] * 9, "routine", ["much_pain"], id="0-is-below-50"),  # 100 - 25*4 = 0
        pytest.param([2] * 9, "none", [], id="50-is-not-below-50"),  # 100 - 25*2 = 50
        pytest.param(
            [3, 3, 3, 3, 3, 3, 2, 2, 2],
            "routine",
            ["much_pain"],
            id="33.3",  # 18+6 = 24, mean 24/9 = 2.667; 100 - 66.667 = 33.3 < 50
        ),
        pytest.param(
            [4, 4, 4, 4, 4, 4, N, N, N],
            "none",
            [],
            id="not-scored-has-no-value",  # 3 missing: no value, so `koos_pain < 50` is false
        ),
    ],
)
def test_a_score_is_a_value_in_conditions(
    values: list[int | None], level: str, reasons: list[str]
) -> None:
    referral = assess("koos", answers_for("koos", "koos_pain", values))["referral"]
    assert referral["level"] == level
    assert [r["id"] for r in referral["reasons"]] == reasons


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_koos_shows_one_decimal_in_every_human_report(tmp_path: Path, fmt: str) -> None:
    answers = {
        **answers_for("koos", "koos_pain", [4, 4, 4, 4, 4, 4, N, N, N]),  # 3 missing
        **answers_for("koos", "koos_symptoms", [1, 2, 1, 2, 3, 1, 1]),  # -> 67.9
    }
    report = human_report("koos", write_answers(tmp_path, answers), fmt)
    assert "KOOS Pain: not scored (3 of 9 items unanswered; at most 2 may be)" in report
    assert "KOOS Symptoms 67.9 / 100" in report  # no bands: no "(...)" after it
    assert "KOOS Symptoms 67.9 / 100 (" not in report


def test_koos_through_the_cli_as_json(tmp_path: Path) -> None:
    answers = answers_for("koos", "koos_pain", [1, 1, 1, 1, 1, 2, 2, N, N])  # -> 67.9
    result = cli("assess", "koos", "-a", str(write_answers(tmp_path, answers)), "-f", "json")
    assert result.code == 0, result
    pain_score, symptoms_score = json.loads(result.stdout)["scores"]
    assert pain_score == pain(67.9, answered=7)  # sum 9 over 7: 100 - 25*9/7 = 67.857 -> 67.9
    # no symptom answered: never scored (the reason's wording is the engine's)
    assert symptoms_score.pop("why_not_scored")
    expected = koos_not_scored("koos_symptoms", answered=0, items=7)
    del expected["why_not_scored"]
    assert symptoms_score == expected


# -- PAR-Q+ style: a follow-up section, and the "cleared" advice -------------------------------

PARQ = [f"parq_{i}" for i in range(1, 8)]
FOLLOW_UP = ["follow_up_1", "follow_up_2", "follow_up_3"]
PARQ_LEVELS = definition("rules", "parq-plus")["referral"]["levels"]


def parq(yes: tuple[str, ...] = (), **follow_up: str) -> dict[str, str]:
    """Yes to the questions in `yes`, no to the other six; follow-up answers as given."""
    return {**{q: "yes" if q in yes else "no" for q in PARQ}, **follow_up}


def said(text: str) -> str:
    """Text from a YAML file as a report prints it (folded lines joined)."""
    return " ".join(text.split())


@pytest.mark.usefixtures("clinic")
def test_all_no_is_cleared_and_skips_the_follow_up() -> None:
    report = assess("parq-plus", parq())
    assert report["referral"]["level"] == "none"
    assert report["referral"]["reasons"] == []
    assert report["referral"]["title"] == PARQ_LEVELS["none"]["title"]
    assert report["referral"]["message"] == said(PARQ_LEVELS["none"]["message"])
    assert list(report["answers"]) == PARQ
    assert report["findings"] == [] and report["plan"] == []
    assert "scores" not in report  # no scores declared: the field is not emitted


@pytest.mark.usefixtures("clinic")
def test_follow_up_answers_after_all_no_are_ignored_with_a_warning() -> None:
    defs = api.load("parq-plus", cache=False)
    checked = api.check_answers(defs, parq(follow_up_1="yes", follow_up_2="yes", follow_up_3="yes"))
    assert list(checked.answers) == PARQ
    assert sorted(w.split(":")[0] for w in checked.warnings) == FOLLOW_UP
    assert report_of(defs, parq(follow_up_1="yes"))["referral"]["level"] == "none"


@pytest.mark.usefixtures("clinic")
@pytest.mark.parametrize("question", PARQ)
def test_any_yes_means_see_a_professional_first(question: str) -> None:
    answers = parq((question,), follow_up_1="no", follow_up_2="no", follow_up_3="no")
    report = assess("parq-plus", answers)
    assert report["referral"]["level"] == "routine"
    assert report["referral"]["title"] == "See a professional before becoming more active"
    assert [r["id"] for r in report["referral"]["reasons"]] == ["any_yes"]
    assert list(report["answers"]) == [*PARQ, *FOLLOW_UP]


@pytest.mark.usefixtures("clinic")
def test_a_yes_in_the_follow_up_adds_its_reason() -> None:
    answers = parq(("parq_3",), follow_up_1="no", follow_up_2="yes", follow_up_3="no")
    reasons = assess("parq-plus", answers)["referral"]["reasons"]
    assert [(r["id"], r["level"]) for r in reasons] == [
        ("any_yes", "routine"),
        ("follow_up_yes", "routine"),
    ]


@pytest.mark.usefixtures("clinic")
def test_after_a_yes_the_follow_up_section_applies_and_must_be_answered() -> None:
    defs = api.load("parq-plus", cache=False)
    with pytest.raises(AnswersError) as caught:
        api.check_answers(defs, parq(("parq_5",)))
    assert sorted(p.question for p in caught.value.problems) == FOLLOW_UP
    api.check_answers(defs, parq())  # all no: nothing is missing


def test_a_missing_follow_up_through_the_cli(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, parq(("parq_1",)))
    result = cli("assess", "parq-plus", "-a", str(answers))
    assert result.code == 2
    for question in FOLLOW_UP:
        assert f"{question}: missing answer" in result.stderr


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_the_cleared_advice_shows_in_every_human_report(tmp_path: Path, fmt: str) -> None:
    report = human_report("parq-plus", write_answers(tmp_path, parq()), fmt)
    assert PARQ_LEVELS["none"]["title"] in report
    assert said(PARQ_LEVELS["none"]["message"]) in report
    assert said(definition("rules", "parq-plus")["disclaimer"]) in report
    assert said(PARQ_LEVELS["routine"]["message"]) not in report


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_a_yes_shows_the_advice_and_the_reason(tmp_path: Path, fmt: str) -> None:
    answers = parq(("parq_2",), follow_up_1="no", follow_up_2="no", follow_up_3="no")
    report = human_report("parq-plus", write_answers(tmp_path, answers), fmt)
    assert PARQ_LEVELS["routine"]["title"] in report
    reason = definition("rules", "parq-plus")["referral"]["reasons"][0]
    assert said(reason["message"]) in report
    assert said(PARQ_LEVELS["none"]["message"]) not in report


@pytest.mark.parametrize("name", ["lefs", "parq-plus"])
@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_no_words_from_another_questionnaire(tmp_path: Path, name: str, fmt: str) -> None:
    """Headings and messages come from the clinic's files, never from the knee-pain quiz."""
    answers = parq() if name == "parq-plus" else answers_for("lefs", "lefs", [2] * 20)
    report = human_report(name, write_answers(tmp_path, answers), fmt)
    assert not re.search(r"\b(knee|knees|hip|hips|ankle|ankles)\b", report, re.IGNORECASE)
    assert f"{name} self-check" not in report
    assert "exercise plan" not in report.lower()  # no plan in these rules
    assert "Stop rule" not in report  # no stop_rule in these rules


# -- the quiz: `kinecheck take --plain` --------------------------------------------------------


def take_plain(tmp_path: Path, name: str, typed: list[str]) -> tuple[str, dict[str, Any]]:
    """Take a clinic questionnaire line by line; the output, and the report saved as JSON."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env.update(KINECHECK_PATH=str(CLINIC), KINECHECK_DATA_DIR=str(tmp_path / "data"))
    saved = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "take", name, "--plain", "--save", str(saved)],
        input="".join(line + "\n" for line in typed),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(saved.read_text())
    return done.stdout, report


def test_the_quiz_asks_the_follow_up_only_after_a_yes(tmp_path: Path) -> None:
    out, report = take_plain(tmp_path / "no", "parq-plus", ["no"] * 7)
    assert "Follow-up 1 of 3" not in out
    assert report["referral"]["level"] == "none"
    assert said(PARQ_LEVELS["none"]["message"]) in flat(out)

    typed = ["no", "no", "yes", "no", "no", "no", "no", "no", "no", "no"]  # 7, then 3 follow-ups
    out, report = take_plain(tmp_path / "yes", "parq-plus", typed)
    for i in (1, 2, 3):
        assert f"Follow-up {i} of 3 (placeholder wording)" in out
    assert report["answers"]["parq_3"] == "yes"
    assert [r["id"] for r in report["referral"]["reasons"]] == ["any_yes"]


def test_the_quiz_shows_the_lefs_score(tmp_path: Path) -> None:
    # 4 activities skipped (Enter), 16 rated "A little bit of difficulty" (choice 4, value 3)
    out, report = take_plain(tmp_path, "lefs", [""] * 4 + ["4"] * 16)
    assert "LEFS 60 / 80 (little or no difficulty)" in flat(out)  # 3*16 = 48; 48*20/16 = 60
    assert report["scores"] == [lefs(60, "little or no difficulty", answered=16)]


# -- the clinic's folder as a whole -----------------------------------------------------------


def test_the_clinic_folder_validates_and_lists() -> None:
    result = cli("validate", str(CLINIC))
    assert result.code == 0, result
    assert result.stdout.splitlines()[-1] == "all 6 files valid"
    listed = cli("list")
    assert listed.code == 0, listed
    ids = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    assert set(INSTRUMENTS) <= set(ids)


@pytest.mark.parametrize(
    ("wrong", "right", "field"),
    [
        pytest.param(
            "range: {min: 0, max: 80}",
            "range: {min: 0, max: 100}",
            "scores[lefs].range",
            id="range",
        ),
        pytest.param(
            "- {max: 80, label:", "- {max: 79, label:", "scores[lefs].bands", id="last-band"
        ),
    ],
)
def test_validate_checks_the_range_against_the_items(
    tmp_path: Path, wrong: str, right: str, field: str
) -> None:
    """20 items valued 0-4 add up to 0-80: any other range, or a last band below it, is wrong."""
    for kind in ("questionnaires", "rules"):
        (tmp_path / kind).mkdir()
        text = (CLINIC / kind / "lefs.yaml").read_text()
        if kind == "rules":
            assert wrong in text
            text = text.replace(wrong, right)
        (tmp_path / kind / "lefs.yaml").write_text(text)
    result = cli("validate", str(tmp_path), path=tmp_path)
    assert result.code == 1, result
    out = result.stdout + result.stderr
    assert "rules/lefs.yaml:" in out and field in out


def test_lefs_is_well_under_100_lines_of_yaml() -> None:
    lines = sum(
        len((CLINIC / kind / "lefs.yaml").read_text().splitlines())
        for kind in ("questionnaires", "rules")
    )
    assert lines < 80


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_the_cached_definitions_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("KINECHECK_PATH", str(CLINIC))
    monkeypatch.setenv("KINECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KINECHECK_CACHE", raising=False)
    answers = {
        "lefs": answers_for("lefs", "lefs", [4] * 9 + [3] * 7 + [N] * 4),
        "koos": answers_for("koos", "koos_symptoms", [0, 1, 0, N, 4, 0, N]),
        "parq-plus": parq(("parq_1",), follow_up_1="yes", follow_up_2="no", follow_up_3="no"),
    }[name]
    fresh = assess(name, answers, cache=False)
    assess(name, answers, cache=True)  # fills the cache
    assert any((tmp_path / "cache").rglob("*")), "nothing was cached"
    assert assess(name, answers, cache=True) == fresh  # read from the cache


def test_the_bundled_report_has_no_scores_field() -> None:
    path = ROOT / "examples" / "desk-worker.yaml"
    result = cli("assess", "knee-pain", "-a", str(path), "-f", "json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert "scores" not in report
    assert report["answers"]["age"] == yaml.safe_load(path.read_text())["age"]


# -- properties: the engine against arithmetic done here ---------------------------------------


def round_half_away(x: Fraction, decimals: int) -> Fraction:
    """Round to `decimals` places, halves away from zero."""
    scale = Fraction(10) ** decimals
    magnitude = math.floor(abs(x) * scale + Fraction(1, 2))
    return (magnitude if x >= 0 else -magnitude) / scale


def expected_score(name: str, score_id: str, answers: dict[str, Any]) -> Fraction | None:
    """A score computed from the YAML data alone, as the design says; None when not scored."""
    spec = score_spec(name, score_id)
    table = choice_values(name)
    items: list[str] = spec["items"]
    answered = [i for i in items if answers.get(i) is not None]
    limit = spec.get("missing", {}).get("max", 0)
    if not answered or len(items) - len(answered) > limit:
        return None
    weights = {i: Fraction(spec.get("weights", {}).get(i, 1)) for i in items}

    def value(item: str) -> Fraction:
        v = Fraction(table[item][answers[item]])
        if item in spec.get("reverse", []):
            lo, hi = min(table[item].values()), max(table[item].values())
            v = lo + hi - v
        return v

    if spec["method"] == "mean":
        raw = sum((value(i) for i in answered), Fraction(0)) / len(answered)
    else:  # sum, weighted_sum
        raw = sum((value(i) * weights[i] for i in answered), Fraction(0))
        if spec.get("missing", {}).get("prorate", False):
            raw = raw * sum(weights.values()) / sum(weights[i] for i in answered)
    rescale = spec.get("rescale", {})
    raw = raw * Fraction(rescale.get("multiply", 1)) + Fraction(rescale.get("add", 0))
    return round_half_away(raw, spec.get("decimals", 0))


@st.composite
def item_answers(draw: st.DrawFn, name: str, score_id: str) -> dict[str, Any]:
    """Answers to a score's items: some left out or null, the rest any of their choices."""
    items: list[str] = score_spec(name, score_id)["items"]
    table = choice_values(name)
    missing = set(draw(st.permutations(items))[: draw(st.integers(0, len(items)))])
    answers: dict[str, Any] = {}
    for item in items:
        if item not in missing:
            answers[item] = draw(st.sampled_from(sorted(table[item])))
        elif draw(st.booleans()):
            answers[item] = None  # written as null; else left out
    return answers


@pytest.fixture(scope="module")
def loaded() -> Iterator[dict[str, api.Definitions]]:
    """The clinic's scored questionnaires, loaded once for the property tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KINECHECK_PATH", str(CLINIC))
        yield {name: api.load(name, cache=False) for name in ("lefs", "koos")}


def check_score(
    defs: api.Definitions, name: str, score_id: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """The engine's score against the one computed here; returns the engine's entry."""
    spec = score_spec(name, score_id)
    items = spec["items"]
    answered = sum(answers.get(i) is not None for i in items)
    limit = spec.get("missing", {}).get("max", 0)
    score = scores_of(report_of(defs, answers))[score_id]
    assert (score["answered"], score["missing"]) == (answered, len(items) - answered)
    # not scored exactly when more than `missing.max` items are missing (or none answered)
    assert score["scored"] == (answered > 0 and len(items) - answered <= limit)
    expected = expected_score(name, score_id, answers)
    if expected is None:
        assert (score["value"], score["band"], score["scored"]) == (None, None, False)
        assert score["why_not_scored"]
    else:
        assert score["value"] == float(expected)
        # prorating (or a mean over fewer items) never leaves the declared range
        assert spec["range"]["min"] <= score["value"] <= spec["range"]["max"]
        assert score["why_not_scored"] is None
    return score


@PROPERTY
@given(data=st.data())
def test_a_complete_sum_is_the_sum_of_its_item_values(
    loaded: dict[str, api.Definitions], data: st.DataObject
) -> None:
    table = choice_values("lefs")
    items = score_spec("lefs", "lefs")["items"]
    answers = {i: data.draw(st.sampled_from(sorted(table[i]))) for i in items}
    score = check_score(loaded["lefs"], "lefs", "lefs", answers)
    assert score["value"] == sum(table[i][answers[i]] for i in items)


@PROPERTY
@given(answers=item_answers("lefs", "lefs"))
def test_lefs_against_its_arithmetic(
    loaded: dict[str, api.Definitions], answers: dict[str, Any]
) -> None:
    check_score(loaded["lefs"], "lefs", "lefs", answers)


@PROPERTY
@given(answers=item_answers("koos", "koos_pain"))
def test_koos_pain_against_its_arithmetic(
    loaded: dict[str, api.Definitions], answers: dict[str, Any]
) -> None:
    check_score(loaded["koos"], "koos", "koos_pain", answers)


@PROPERTY
@given(answers=item_answers("koos", "koos_symptoms"))
def test_koos_symptoms_against_its_arithmetic(
    loaded: dict[str, api.Definitions], answers: dict[str, Any]
) -> None:
    check_score(loaded["koos"], "koos", "koos_symptoms", answers)


# -- every YAML example in the docs -----------------------------------------------------------

FENCE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
FRAGMENT = "<!-- fragment -->"


def yaml_blocks() -> list[tuple[str, str, bool]]:
    """(file:line, text, is a fragment) of every ```yaml block in README.md and docs/."""
    blocks = []
    for path in DOCS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            before = text[: match.start()].rstrip().splitlines()
            fragment = bool(before) and before[-1].strip() == FRAGMENT
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
            blocks.append((where, match.group(1), fragment))
    return blocks


def test_every_yaml_example_in_the_docs_is_yaml() -> None:
    blocks = yaml_blocks()
    assert blocks
    for where, text, _ in blocks:
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise AssertionError(f"{where}: not YAML: {exc}") from None


def test_every_complete_yaml_example_in_the_docs_validates(tmp_path: Path) -> None:
    """Blocks not marked `<!-- fragment -->` are whole files: written out, they validate."""
    written: dict[Path, str] = {}
    for where, text, fragment in yaml_blocks():
        if fragment:
            continue
        data = yaml.safe_load(text)
        assert isinstance(data, dict), f"{where}: not a mapping; mark it {FRAGMENT}"
        if "sections" in data:
            path = tmp_path / "questionnaires" / f"{data['id']}.yaml"
        elif "questionnaire" in data:
            path = tmp_path / "rules" / f"{data['questionnaire']}.yaml"
        elif "exercises" in data:
            path = tmp_path / "rules" / "exercises.yaml"
        else:
            raise AssertionError(f"{where}: not a whole file; mark it {FRAGMENT}")
        assert path not in written, f"{where} and {written.get(path)} write the same file"
        written[path] = where
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    scored = [p for p in written if p.parent.name == "rules" and "scores" in p.read_text()]
    assert scored, "the docs show no complete scored instrument"
    result = cli("validate", str(tmp_path), path=tmp_path)
    assert result.code == 0, (written, result)


def test_the_scored_instrument_in_the_docs_is_the_tested_lefs() -> None:
    complete = [yaml.safe_load(text) for _, text, fragment in yaml_blocks() if not fragment]
    assert definition("questionnaires", "lefs") in complete
    assert definition("rules", "lefs") in complete

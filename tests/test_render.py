"""Renderers print content as written, whatever the terminal says about itself."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kinecheck import api
from kinecheck.render import FORMATS, renderer

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"


def flatten(text: str) -> str:
    """The words of a rendered report, without line breaks or the frame of a box."""
    return " ".join(text.replace("│", " ").split())


def desk_worker_report() -> api.Report:
    defs = api.load("knee-pain")
    return api.assess_raw(defs, yaml.safe_load(DESK_WORKER.read_text()))


def test_square_brackets_in_content_are_printed_not_read_as_markup() -> None:
    report = desk_worker_report()
    item = dataclasses.replace(
        report.plan[0], cautions=["Use a ball [tennis size] or smaller.", "Never [/hip] this."]
    )
    report = dataclasses.replace(report, plan=[item, *report.plan[1:]])
    text = renderer("text")(report)
    assert "Use a ball [tennis size] or smaller." in text
    assert "Never [/hip] this." in text


@pytest.mark.parametrize("columns", ["0", "-5", "7", "wide"])
def test_a_bogus_terminal_width_never_swallows_the_report(columns: str) -> None:
    env = {**os.environ, "COLUMNS": columns}
    result = subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers", str(DESK_WORKER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = desk_worker_report()
    flat = flatten(result.stdout)
    assert " ".join(report.disclaimer.split()) in flat
    assert " ".join(report.stop_rule.split()) in flat
    assert "Outer-hip ball release" in flat


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_disclaimer_and_stop_rule(fmt: str) -> None:
    report = desk_worker_report()
    flat = flatten(renderer(fmt)(report))
    assert " ".join(report.disclaimer.split()) in flat
    assert " ".join(report.stop_rule.split()) in flat


def test_a_terminal_that_cannot_show_a_character_gets_a_stand_in_not_a_traceback() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80"}
    result = subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers", str(DESK_WORKER)],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"not medical advice" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_one_point_is_one_point_in_every_format(fmt: str) -> None:
    # the desk worker's ankle finding: one sprain, 1 point in all
    report = desk_worker_report()
    ankle = next(f for f in report.findings if f.id == "ankle_immobility")
    assert ankle.score == 1 and [e.points for e in ankle.evidence] == [1]
    out = renderer(fmt)(report)
    assert "1 points" not in out and "+1" not in out
    assert "(possible, 1 point)" in " ".join(out.split())

"""`kinecheck take --plain` over a pipe whose input ends once the quiz is answered.

A script that sends exactly the answers and nothing more has said all it has to say: the end
of input at the review means "no changes" and at the save question "don't save". Only input
that ends before the last answer is an error (exit 2), as tests/test_take_e2e.py checks.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kinecheck.quiz.asking import ReviewRow
from kinecheck.quiz.plain import PlainAsker
from test_quiz import BASE
from test_take_matches_assess import asked_in_order, plain_line

ROWS = [ReviewRow("age", "About you", "How old are you?", "41 years")]


def answer_lines(answers: dict[str, Any]) -> str:
    """One line per question asked, and nothing after the last answer."""
    return "".join(plain_line(q, answers[q]) + "\n" for q in asked_in_order(answers))


def take_plain(tmp_path: Path, typed: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env["KINECHECK_DATA_DIR"] = str(tmp_path / "data")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "kinecheck", "take", "--plain"],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=60,
    )


def saved_files(tmp_path: Path) -> list[Path]:
    """What the run left behind: reports in the working folder, and sessions."""
    sessions = tmp_path / "data" / "sessions"
    found = [*(tmp_path / "work").iterdir()]
    return found + ([*sessions.iterdir()] if sessions.exists() else [])


@pytest.mark.parametrize(
    "extra", ["", "\n"], ids=["ends-at-the-review", "ends-at-the-save-question"]
)
def test_input_that_ends_after_the_last_answer_finishes_the_report(
    tmp_path: Path, extra: str
) -> None:
    done = take_plain(tmp_path, answer_lines(BASE) + extra)
    assert done.returncode == 0, done.stderr
    assert "input ended" not in done.stderr
    out = done.stdout
    assert "Your answers:" in out
    assert "What your answers suggest" in out and "Stop rule" in out
    assert out.index("Your answers:") < out.index("What your answers suggest")
    assert "Save this report to a file?" in out
    assert "Report saved" not in out
    assert saved_files(tmp_path) == []


def test_input_that_ends_before_the_last_answer_is_still_an_error(tmp_path: Path) -> None:
    lines = answer_lines(BASE).splitlines(keepends=True)
    done = take_plain(tmp_path, "".join(lines[:-1]))
    assert done.returncode == 2
    assert "input ended before the quiz was finished" in done.stderr
    assert "What your answers suggest" not in done.stdout


def test_the_end_of_input_at_the_review_means_no_changes() -> None:
    out = io.StringIO()
    assert PlainAsker(io.StringIO(""), out).review(ROWS) is None
    assert "1. How old are you? 41 years" in out.getvalue()
    # after a refused line too
    assert PlainAsker(io.StringIO("9\n"), io.StringIO()).review(ROWS) is None


@pytest.mark.parametrize(
    "typed", ["", "7\n", "2\n"], ids=["at-once", "after-a-refusal", "at-file-name"]
)
def test_the_end_of_input_at_the_save_question_means_dont_save(typed: str) -> None:
    assert PlainAsker(io.StringIO(typed), io.StringIO()).offer_save("report") is None

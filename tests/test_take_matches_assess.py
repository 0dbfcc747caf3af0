"""The quiz and `assess` give the same JSON report for the same answers (property tests).

Answer sets come from `strategies.answer_sets`; each is typed into the real `take` flow (plain
mode over a text stream, and the terminal prompts over prompt_toolkit pipe input) and the saved
JSON report is compared with the report `assess` makes from the same answers as a file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from kinecheck import api
from kinecheck.quiz import taking
from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.plain import PlainAsker
from kinecheck.quiz.prompting import TerminalAsker
from kinecheck.render.jsonout import render as render_json
from kinecheck.scoring.flow import next_question
from strategies import answer_sets
from test_prompting import ENTER, keys_for

DEFS = api.load()


@pytest.fixture(scope="module", autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("take")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KINECHECK_DATA_DIR", str(folder / "data"))
        patch.chdir(folder)
        yield folder


def asked_in_order(answers: dict[str, Any]) -> list[str]:
    """The questions the quiz will ask for these answers, in order."""
    order, given_so_far = [], {}
    while (question := next_question(DEFS, given_so_far)) is not None:
        order.append(question.id)
        given_so_far[question.id] = answers[question.id]
    return order


def plain_line(qid: str, value: Any) -> str:
    prompt = Quiz(DEFS, PlainAsker()).prompt_for(qid)
    ids = [o.id for o in prompt.options]
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(ids.index(v) + 1) for v in value)
    if ids:
        return str(ids.index(value) + 1)
    return str(value)


def assessed(answers: dict[str, Any]) -> str:
    """The JSON report `kinecheck assess` makes from these answers as a file."""
    raw = {k: v for k, v in answers.items() if v is not None}
    return render_json(api.assess_raw(DEFS, raw))


def take_plain(answers: dict[str, Any], out: Path) -> str:
    lines = [plain_line(q, answers[q]) for q in asked_in_order(answers)] + [""]
    asker = PlainAsker(io.StringIO("\n".join(lines) + "\n"), io.StringIO())
    code = taking.take(taking.Options("knee-pain", plain=True, save=out, force=True), asker)
    assert code == 0
    return out.read_text()


def take_terminal(answers: dict[str, Any], out: Path) -> str:
    quiz = Quiz(DEFS, TerminalAsker())
    typed = "".join(keys_for(quiz, q, answers[q]) for q in asked_in_order(answers)) + ENTER
    with create_pipe_input() as pipe:
        pipe.send_text(typed)
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            code = taking.take(taking.Options("knee-pain", save=out, force=True), TerminalAsker())
    assert code == 0
    return out.read_text()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(DEFS))
def test_plain_quiz_report_equals_assess_report(answers: dict[str, Any]) -> None:
    out = Path(os.getcwd()) / "plain.json"
    assert take_plain(answers, out) == assessed(answers)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(DEFS))
def test_terminal_quiz_report_equals_assess_report(answers: dict[str, Any]) -> None:
    out = Path(os.getcwd()) / "terminal.json"
    assert take_terminal(answers, out) == assessed(answers)


def test_no_session_is_left_behind_after_a_finished_quiz(isolated: Path) -> None:
    sessions = isolated / "data" / "sessions"
    assert not sessions.exists() or not any(sessions.iterdir())

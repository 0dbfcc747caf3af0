"""Killed right after an answer is echoed, the answer is already saved (issue #9, item 10).

`kinecheck take` runs in a pseudo-terminal (pexpect), with the terminal front end and with
`--plain`. As soon as the echo of an answer is on screen the process gets SIGKILL, which it
cannot catch, so nothing can be saved on the way out. Then the session file must hold every
answer echoed so far, no temporary file may be left beside it, and `take --resume` must
welcome them back and ask the next question; that resumed run answers it and is killed after
its echo in turn. So every question is killed after once, in each front end.

Two paths through the bundled questionnaire hold every one of its questions: SELF_TESTS (the
plan and self-test questions, one optional number skipped) and CALF (a swollen calf brings the
chest question). CALF starts from its first different question, the answers before it given
with `--answers`. One more run per front end answers all of SELF_TESTS in one process and is
killed after the last echo. About 40 s in all: each step starts kinecheck once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.plain import PlainAsker
from kinecheck.quiz.prompting import TerminalAsker
from test_prompting import keys_for
from test_quiz import BASE
from test_take_e2e import WITH_TESTS
from test_take_matches_assess import DEFS, asked_in_order, plain_line

KINECHECK = str(Path(sys.executable).parent / "kinecheck")
SELF_TESTS: dict[str, Any] = WITH_TESTS  # the path with the three self-tests
CALF: dict[str, Any] = {**BASE, "red_flags": ["calf_swelling"], "chest_symptoms": "no"}
CALF_FROM = asked_in_order(CALF).index("red_flags")  # the answers before it are pre-filled
# between two words on screen: blanks, line breaks, or the terminal's escape sequences
GAP = r"(?:\s|\x1b\[[0-9;?]*[A-Za-z])+"


def test_the_two_paths_ask_every_question() -> None:
    assert set(asked_in_order(SELF_TESTS)) | set(asked_in_order(CALF)) == set(DEFS.questions)


def loose(text: str) -> str:
    """A pattern for `text` as the terminal shows it: words apart by any blanks or escapes."""
    return GAP.join(re.escape(word) for word in text.split())


def echo_of(qid: str, value: Any, *, plain: bool) -> str:
    """The pattern of the line that echoes an accepted answer."""
    words = Quiz(DEFS, PlainAsker()).prompt_for(qid).answer_words(value)
    if plain:
        return "Answer:" + GAP + loose(words + ".")
    return r"\?" + GAP + loose(DEFS.questions[qid].prompt) + GAP + loose(words)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "ACCESSIBLE", "KINECHECK_PLAIN", "COLUMNS")
    }
    return {
        **clean,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "KINECHECK_DATA_DIR": str(tmp_path / "data"),
    }


def start(env: dict[str, str], plain: bool, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        KINECHECK,
        ["take", *(["--plain"] if plain else []), *args],
        env=env,
        encoding="utf-8",
        dimensions=(50, 200),
        timeout=20,
    )
    child.delaybeforesend = None  # keys go as soon as the prompt is there
    child.delayafterclose = 0
    return child


def answer(child: pexpect.spawn, qid: str, value: Any, *, plain: bool) -> None:
    """Wait for the question, answer it, and wait for the echo of the answer."""
    child.expect(loose(DEFS.questions[qid].prompt))
    if plain:
        child.send(plain_line(qid, value) + "\r")
    else:
        child.send(keys_for(Quiz(DEFS, TerminalAsker()), qid, value))
    child.expect(echo_of(qid, value, plain=plain))


def kill(child: pexpect.spawn) -> None:
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL


def assert_saved(env: dict[str, str], expected: dict[str, Any], after: str) -> None:
    sessions = Path(env["KINECHECK_DATA_DIR"]) / "sessions"
    saved = json.loads((sessions / "knee-pain.json").read_text())["answers"]
    assert saved == expected, f"killed after the echo of {after}"
    assert [p.name for p in sessions.iterdir()] == ["knee-pain.json"], "a temporary file is left"


FRONT_ENDS = [pytest.param(True, id="plain"), pytest.param(False, id="terminal")]


@pytest.mark.parametrize("plain", FRONT_ENDS)
@pytest.mark.parametrize(
    ("answers", "first"),
    [pytest.param(SELF_TESTS, 0, id="self-tests"), pytest.param(CALF, CALF_FROM, id="calf")],
)
def test_killed_after_each_echo_every_answer_is_back_on_resume(
    env: dict[str, str], tmp_path: Path, plain: bool, answers: dict[str, Any], first: int
) -> None:
    order = asked_in_order(answers)
    prefill = tmp_path / "prefill.json"
    prefill.write_text(json.dumps({qid: answers[qid] for qid in order[:first]}))
    for k in range(first, len(order)):
        if k == first:
            child = start(env, plain, *(["--answers", str(prefill)] if first else []))
        else:
            child = start(env, plain, "--resume")
            child.expect_exact(f"Welcome back: {k} saved answers are kept.")
        answer(child, order[k], answers[order[k]], plain=plain)
        kill(child)
        assert_saved(env, {qid: answers[qid] for qid in order[: k + 1]}, order[k])
    child = start(env, plain, "--resume")
    child.expect_exact(f"Welcome back: {len(order)} saved answers are kept.")
    child.expect_exact("Your answers" if plain else "Are these right?")  # the review
    kill(child)


@pytest.mark.parametrize("plain", FRONT_ENDS)
def test_killed_after_the_last_of_many_echoes_nothing_is_lost(
    env: dict[str, str], plain: bool
) -> None:
    order = asked_in_order(SELF_TESTS)
    child = start(env, plain)
    for qid in order:
        answer(child, qid, SELF_TESTS[qid], plain=plain)
    kill(child)
    assert_saved(env, SELF_TESTS, order[-1])

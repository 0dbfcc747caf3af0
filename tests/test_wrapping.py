"""Everything kinecheck writes wraps at the terminal's width, on word boundaries.

The terminal quiz runs in a real pseudo-terminal (pexpect) at 60 and 80 columns. What it draws
goes through `Screen`, a small model of a terminal (cursor moves, erasing, autowrap at the last
column), so the test sees what a person would: a word the terminal broke at the edge shows up
split over two rows, and a line cut off by a list that does not wrap shows up cut. Checks
compare the rows joined by spaces with the text we meant to show.

`--plain` and `kinecheck exercises` write plain text: over a pipe they wrap at COLUMNS (or 80
for `exercises`), in a terminal at its width; no line may be wider.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pexpect
import pytest

from kinecheck.quiz.loop import Quiz, answer_words
from kinecheck.quiz.plain import PlainAsker, fold, prompt_line
from kinecheck.quiz.prompting import TerminalAsker, key_hint
from kinecheck.render.layout import cells
from test_prompting import DOWN, ENTER, LEFT, UP, keys_for
from test_take_e2e import WITH_TESTS
from test_take_matches_assess import DEFS, asked_in_order, plain_line

KINECHECK = str(Path(sys.executable).parent / "kinecheck")
ROWS = 120  # tall enough for the whole review list
WIDTHS = [60, 80]
# a CSI sequence (private mark, numbers, final letter), an OSC string, ESC and one character,
# or a control character; an escape cut off at the end of a read matches none of them
_CONTROL = re.compile(
    r"\x1b\[([?>=]?)([0-9;]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]]"
    r"|[\x00-\x1a\x1c-\x1f]"
)


class Screen:
    """Enough of a VT100 to replay prompt_toolkit's output: what a person would see."""

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.history: list[str] = []  # rows scrolled off the top
        self.grid = [[" "] * cols for _ in range(rows)]
        self.y = self.x = 0
        self.pending = False  # at the last column: the next character wraps first
        self.autowrap = True
        self.rest = ""  # an escape sequence cut in two by a read

    def feed(self, data: str) -> None:
        data, self.rest = self.rest + data, ""
        at = 0
        while at < len(data):
            char = data[at]
            if char == "\x1b" or char < " ":
                match = _CONTROL.match(data, at)
                if match is None:  # incomplete: keep it for the next read
                    self.rest = data[at:]
                    return
                self._control(match)
                at = match.end()
            else:
                self._print(char)
                at += 1

    def _print(self, char: str) -> None:
        if self.pending and self.autowrap:
            self.x = 0
            self._line_feed()
        self.grid[self.y][self.x] = char
        if self.x == self.cols - 1:
            self.pending = self.autowrap
        else:
            self.x += 1

    def _line_feed(self) -> None:
        self.pending = False
        if self.y == self.rows - 1:
            self.history.append("".join(self.grid.pop(0)).rstrip())
            self.grid.append([" "] * self.cols)
        else:
            self.y += 1

    def _control(self, match: re.Match[str]) -> None:
        text = match.group(0)
        if text == "\r":
            self.x, self.pending = 0, False
        elif text == "\n":
            self._line_feed()
        elif text == "\b":
            self.x, self.pending = max(self.x - 1, 0), False
        elif text == "\t":
            self.x = min((self.x // 8 + 1) * 8, self.cols - 1)
        elif match.group(3):
            self._csi(match.group(1), match.group(2), match.group(3))

    def _csi(self, private: str, params: str, final: str) -> None:
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        n = max(numbers[0], 1) if numbers else 1
        if private == "?":
            if "7" in params.split(";") and final in "hl":
                self.autowrap = final == "h"
            return
        if final in "ABCDGHf":
            self.pending = False
        if final == "A":
            self.y = max(self.y - n, 0)
        elif final == "B":
            self.y = min(self.y + n, self.rows - 1)
        elif final == "C":
            self.x = min(self.x + n, self.cols - 1)
        elif final == "D":
            self.x = max(self.x - n, 0)
        elif final == "G":
            self.x = min(n - 1, self.cols - 1)
        elif final in "Hf":
            row = numbers[0] if numbers else 1
            col = numbers[1] if len(numbers) > 1 else 1
            self.y, self.x = min(max(row, 1), self.rows) - 1, min(max(col, 1), self.cols) - 1
        elif final == "J":
            mode = numbers[0] if numbers else 0
            below = range(self.rows) if mode == 2 else range(self.y + 1, self.rows)
            for y in below:
                self.grid[y] = [" "] * self.cols
            if mode == 0:
                self.grid[self.y][self.x :] = [" "] * (self.cols - self.x)
        elif final == "K":
            mode = numbers[0] if numbers else 0
            line = self.grid[self.y]
            if mode == 0:
                line[self.x :] = [" "] * (self.cols - self.x)
            elif mode == 1:
                line[: self.x + 1] = [" "] * (self.x + 1)
            else:
                line[:] = [" "] * self.cols

    def visible(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.grid]

    def transcript(self) -> list[str]:
        return self.history + self.visible()


def flat(lines: list[str]) -> str:
    """Rows joined by spaces: a word the terminal broke at the edge comes out split."""
    return " ".join(" ".join(lines).split())


def shown(lines: list[str], text: str) -> bool:
    return " ".join(text.split()) in flat(lines)


def pump(child: pexpect.spawn, screen: Screen, until: Callable[[], bool], what: str) -> None:
    """Feed the child's output to the screen until `until()` holds (or fail, showing it)."""
    deadline = time.monotonic() + 20
    while not until():
        if time.monotonic() > deadline:
            pytest.fail(
                f"never shown unbroken: {what!r}; the screen:\n" + "\n".join(screen.visible())
            )
        try:
            screen.feed(child.read_nonblocking(65536, timeout=0.2))
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            if not until():
                pytest.fail(f"ended before {what!r}:\n" + "\n".join(screen.transcript()[-40:]))
            return


def drain(child: pexpect.spawn, screen: Screen) -> None:
    """Feed the rest of the output to the screen; the child has exited after this."""
    while True:
        try:
            screen.feed(child.read_nonblocking(65536, timeout=20))
        except pexpect.EOF:
            break
    child.close()


def wait_for(child: pexpect.spawn, screen: Screen, *texts: str) -> None:
    """Wait until every text is on screen, each unbroken."""
    pump(child, screen, lambda: all(shown(screen.visible(), t) for t in texts), " / ".join(texts))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    drop = ("NO_COLOR", "ACCESSIBLE", "KINECHECK_PLAIN", "COLUMNS", "LINES")
    return {
        **{k: v for k, v in os.environ.items() if k not in drop},
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "KINECHECK_DATA_DIR": str(tmp_path / "data"),
    }


def spawn(env: dict[str, str], cols: int, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        KINECHECK, list(args), env=env, encoding="utf-8", dimensions=(ROWS, cols), timeout=20
    )


@pytest.mark.parametrize("cols", WIDTHS)
def test_the_terminal_quiz_wraps_on_word_boundaries(env: dict[str, str], cols: int) -> None:
    child = spawn(env, cols, "take", "--save", "r.json")
    screen = Screen(ROWS, cols)
    quiz = Quiz(DEFS, TerminalAsker(), {})
    answers = WITH_TESTS
    for qid in asked_in_order(answers):
        prompt = quiz.prompt_for(qid)
        wait_for(child, screen, prompt.text, key_hint(prompt))
        helped = [o for o in prompt.options if o.help]
        if helped:  # each choice's description, shown while the pointer is on it
            for index, option in enumerate(prompt.options):
                if option.help:
                    child.send(DOWN * index)
                    wait_for(child, screen, option.label, str(option.help))
                    child.send(UP * index)
        child.send(keys_for(Quiz(DEFS, TerminalAsker()), qid, answers[qid]))
        quiz.answers[qid] = answers[qid]
    wait_for(child, screen, "Are these right?")
    child.send(DOWN + ENTER)  # change an answer: the list of every question and answer
    rows = quiz.review_rows()
    pump(child, screen, lambda: "Back to the summary" in flat(screen.visible()), "the list")
    for row in rows:
        assert shown(screen.visible(), f"{row.text} ({row.answer})"), (
            f"cut or broken: {row.text} ({row.answer})\n" + "\n".join(screen.visible())
        )
    child.send(LEFT)
    wait_for(child, screen, "Are these right?")
    child.send(ENTER)
    drain(child, screen)
    assert child.exitstatus == 0
    everything = screen.transcript()
    for qid in asked_in_order(answers):  # the echoed answers
        words = answer_words(DEFS.questions[qid], answers[qid])
        assert shown(everything, f"? {DEFS.questions[qid].prompt} {words}"), qid
    for row in rows:  # the review summary
        assert shown(everything, f"{row.text} {row.answer}")
    assert shown(everything, str(DEFS.rules.disclaimer))


def plain_input(answers: dict[str, Any]) -> str:
    return "".join(plain_line(q, answers[q]) + "\n" for q in asked_in_order(answers)) + "\n"


def plain_prompts(answers: dict[str, Any]) -> list[str]:
    quiz = Quiz(DEFS, PlainAsker(), {})
    lines = []
    for qid in asked_in_order(answers):
        lines.append(prompt_line(quiz.prompt_for(qid)))
        quiz.answers[qid] = answers[qid]
    return lines


def assert_fits(text: str, width: int) -> None:
    too_wide = [line for line in text.splitlines() if cells(line) > width]
    assert not too_wide, f"wider than {width}: {too_wide}"


@pytest.mark.parametrize("cols", WIDTHS)
def test_plain_mode_over_a_pipe_wraps_at_columns(env: dict[str, str], cols: int) -> None:
    done = subprocess.run(
        [KINECHECK, "take", "--plain"],
        input=plain_input(WITH_TESTS),
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": str(cols)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert_fits(done.stdout, cols)
    lines = done.stdout.splitlines()
    for line in plain_prompts(WITH_TESTS):
        assert shown(lines, line), line
    assert shown(lines, "Answer: My left knee.")
    for qid in asked_in_order(WITH_TESTS):
        words = answer_words(DEFS.questions[qid], WITH_TESTS[qid])
        assert shown(lines, f"{DEFS.questions[qid].prompt} {words}"), qid  # the review


def test_plain_mode_without_columns_over_a_pipe_keeps_one_line_per_prompt(
    env: dict[str, str],
) -> None:
    done = subprocess.run(
        [KINECHECK, "take", "--plain"],
        input=plain_input(WITH_TESTS),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for line in plain_prompts(WITH_TESTS):
        assert line in done.stdout


@pytest.mark.parametrize("cols", WIDTHS)
def test_plain_mode_in_a_terminal_wraps_at_its_width(env: dict[str, str], cols: int) -> None:
    child = spawn(env, cols, "take", "--plain")
    screen = Screen(ROWS, cols)
    for qid, line in zip(asked_in_order(WITH_TESTS), plain_prompts(WITH_TESTS), strict=True):
        wait_for(child, screen, line)
        child.send(plain_line(qid, WITH_TESTS[qid]) + "\r")
    wait_for(child, screen, "press Enter to see your report:")
    child.send("\r")
    wait_for(child, screen, "Save this report to a file?")
    child.send("\r")
    drain(child, screen)
    assert child.exitstatus == 0
    assert shown(screen.transcript(), str(DEFS.rules.disclaimer))


def exercises(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [KINECHECK, "exercises", *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed(exercise_id: str) -> str:
    """An exercise's name and variants, as the library list shows them."""
    ex = DEFS.library.by_id()[exercise_id]
    return f"{ex.name} (variants: {', '.join(v.id for v in ex.variants)})"


def words_of(exercise_id: str) -> list[str]:
    """What `exercises ID` must show unbroken: every sentence of the exercise, and the rules'."""
    ex = DEFS.library.by_id()[exercise_id]
    words = [ex.name, ex.purpose, ex.too_far, ex.easier, *ex.cautions, *ex.notes]
    for v in ex.variants:
        words += [v.name, v.setup, *v.steps]
    return [str(w) for w in [*words, DEFS.rules.stop_rule, DEFS.rules.disclaimer]]


@pytest.mark.parametrize("cols", WIDTHS)
def test_exercises_over_a_pipe_wrap_at_columns(env: dict[str, str], cols: int) -> None:
    listing = exercises([], {**env, "COLUMNS": str(cols)})
    assert_fits(listing, cols)
    for ex in DEFS.library.exercises:
        assert shown(listing.splitlines(), listed(ex.id)), ex.id
        full = exercises([ex.id], {**env, "COLUMNS": str(cols)})
        assert_fits(full, cols)
        for text in words_of(ex.id):
            assert shown(full.splitlines(), text), text


def test_exercises_over_a_pipe_without_columns_wrap_at_80(env: dict[str, str]) -> None:
    full = exercises(["tfl_ball_rolling"], env)
    assert_fits(full, 80)
    assert max(cells(line) for line in full.splitlines()) > 60  # not narrower than that


@pytest.mark.parametrize("cols", WIDTHS)
@pytest.mark.parametrize("args", [[], ["tfl_ball_rolling"]], ids=["list", "one"])
def test_exercises_in_a_terminal_wrap_at_its_width(
    env: dict[str, str], cols: int, args: list[str]
) -> None:
    child = spawn(env, cols, "exercises", *args)
    screen = Screen(ROWS, cols)
    drain(child, screen)
    assert child.exitstatus == 0
    lines = screen.transcript()
    wanted = words_of(args[0]) if args else [listed(ex.id) for ex in DEFS.library.exercises]
    for text in wanted:
        assert shown(lines, text), text


def test_plain_wrapping_keeps_a_choice_number_with_its_words() -> None:
    text = "Which knee hurts? 1 My left knee, 2 My right knee, 3 Both knees. Type a number:"
    lines = fold(text, 30).splitlines()
    assert all(cells(line) <= 30 for line in lines)
    assert not any(line.split()[-1].isdigit() for line in lines), lines
    assert " ".join(lines) == text
    assert fold(text, 0) == text  # a pipe without COLUMNS: one line
    assert fold("x" * 25 + " end", 10).splitlines() == ["x" * 10, "x" * 10, "xxxxx end"]

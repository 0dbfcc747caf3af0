"""The text report's layout: nothing runs past the width, no word is lost, frames line up."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kinecheck import api
from kinecheck.render.text import Layout, cells, lay_out, render, visible_cells, wrap

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"

# words of ordinary, accented, wide (CJK), combining and emoji characters
CHARACTERS = [*"abcdefghij", "é", "ß", "日", "本", "ｗ", "e\u0301", "\u26a0\ufe0f", "-", "["]
WORD = st.lists(
    st.sampled_from(CHARACTERS),
    min_size=1,
    max_size=30,
).map("".join)
SPANS = st.lists(
    st.tuples(
        st.lists(st.tuples(WORD, st.sampled_from([" ", " ", "  ", "\n"])), max_size=12).map(
            lambda pairs: "".join(w + gap for w, gap in pairs)
        ),
        st.sampled_from([None, "1", "2;31"]),
    ),
    min_size=1,
    max_size=5,
)


def report():
    defs = api.load("knee-pain")
    return api.assess_raw(defs, yaml.safe_load(DESK_WORKER.read_text()))


@settings(max_examples=300, deadline=None)
@given(SPANS, st.integers(min_value=2, max_value=120))  # 2: room for one wide character
def test_wrapped_lines_fit_the_width_and_keep_every_character(spans, width) -> None:
    lines = wrap(spans, width)
    for line in lines:
        assert sum(cells(p) for word in line for p, _ in word) + len(line) - 1 <= width
    written = "".join(p for line in lines for word in line for p, _ in word)
    assert written == "".join("".join(text.split()) for text, _ in spans)


@settings(max_examples=100, deadline=None)
@given(SPANS, st.integers(min_value=20, max_value=100), st.booleans(), WORD)
def test_a_frame_is_a_rectangle_whatever_it_holds(spans, width, colour, title) -> None:
    out = Layout(width, colour=colour)
    body = out.inner()
    body.para(spans)
    body.items([("•", spans), ("10.", "short")])
    out.framed(title * 3, "1", body)
    widths = {visible_cells(line) for line in out.lines}
    assert widths == {width}


@pytest.mark.parametrize("width", [40, 57, 80, 100])
def test_the_report_fits_its_width_and_says_everything(width: int) -> None:
    r = report()
    text = lay_out(r, Layout(width)).text()
    assert max(cells(line) for line in text.splitlines()) <= width
    flat = " ".join(text.replace("│", " ").split())
    for sentence in (r.disclaimer, r.stop_rule, r.plan_status_message, r.plan[0].too_far):
        assert " ".join(sentence.split()) in flat
    for step in r.plan[0].steps:
        assert " ".join(step.split()) in flat
    assert "\x1b" not in text


def test_plain_text_has_no_frames_or_bullets() -> None:
    text = render(report(), plain=True)
    assert not set(text) & set("│─╭╮╰╯•\x1b")
    assert "Stop rule" in text


def _run_in_terminal(env: dict[str, str]) -> str:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "kinecheck", "assess", "knee-pain", "--answers", str(DESK_WORKER)],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        dimensions=(40, 90),
        timeout=60,
    )
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    return str(out)


def test_a_terminal_gets_bold_headings_and_no_color_turns_colour_off() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env["TERM"] = "xterm-256color"
    coloured = _run_in_terminal(env)
    assert "\x1b[1;4mWhat your answers suggest\x1b[0m" in coloured
    assert max(visible_cells(line) for line in coloured.splitlines()) <= 90  # the pty's width
    plain = _run_in_terminal({**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert "What your answers suggest" in plain


def test_line_breaks_the_author_wrote_are_kept() -> None:
    r = dataclasses.replace(report(), stop_rule="Stop when:\n1. it hurts sharply;\n2. it swells.\n")
    lines = [line.strip("│ ") for line in render(r).splitlines()]
    at = lines.index("Stop when:")
    assert lines[at + 1 : at + 3] == ["1. it hurts sharply;", "2. it swells."]


def test_characters_take_the_columns_a_terminal_gives_them() -> None:
    assert cells("e\u0301") == 1  # e with a combining accent
    assert cells("\u26a0") == 1  # a warning sign as text
    assert cells("\u26a0\ufe0f") == 2  # the same drawn as an emoji
    assert cells("日本") == 4
    assert cells("日\ufe0f") == 2  # already wide


def test_a_frame_holding_an_emoji_still_lines_up() -> None:
    out = Layout(40)
    body = out.inner()
    body.para("\u26a0\ufe0f Stop at once if the calf swells.")
    out.framed("Careful", None, body)
    assert {visible_cells(line) for line in out.lines} == {40}


def test_an_ascii_only_output_gets_ascii_frames(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers", str(DESK_WORKER)],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0
    text = done.stdout.decode("ascii")  # every byte is ASCII
    assert "+- Stop rule -" in text
    assert "?" not in text.replace("Too hard?", "")


def test_force_color_colours_a_pipe_and_no_color_wins() -> None:
    def run(**extra: str) -> bytes:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        args = ["-m", "kinecheck", "assess", "knee-pain", "--answers", str(DESK_WORKER)]
        return subprocess.run(
            [sys.executable, *args], capture_output=True, env={**env, **extra}, timeout=60
        ).stdout

    assert b"\x1b[" not in run()
    assert b"\x1b[1;4mWhat your answers suggest" in run(FORCE_COLOR="1")
    assert b"\x1b[" not in run(FORCE_COLOR="1", NO_COLOR="1")

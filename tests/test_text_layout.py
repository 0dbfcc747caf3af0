"""The text report's layout: nothing runs past the width, no word is lost, frames line up.

Columns are checked with wcwidth itself, never with the renderer's own `cells`, so a test
cannot agree with a wrong measurement by using it.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import wcwidth
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kinecheck import api
from kinecheck.render.layout import NARROW, Layout, cells, wrap
from kinecheck.render.text import lay_out, render

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"

THUMB = "\U0001f44d\U0001f3fd"  # 👍🏽, thumbs up with a skin tone
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧, a ZWJ sequence
FLAG = "\U0001f1e8\U0001f1e6"  # 🇨🇦, two regional indicators
WARNING = "\u26a0\ufe0f"  # ⚠️, a text character drawn as an emoji by U+FE0F
ACCENT = "e\u0301"  # e and a combining acute accent
# words of ordinary, accented, wide (CJK), combining and emoji characters
CHARACTERS = [
    *"abcdefghij",
    *"éß日本ｗ漢字-[",
    ACCENT,
    WARNING,
    THUMB,
    FAMILY,
    FLAG,
    "\U0001f1e8",  # a lone regional indicator, which pairs with whatever indicator follows
]
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


def columns(line: str) -> int:
    """A line's columns as wcwidth measures them, escape sequences aside."""
    size = wcwidth.wcswidth(wcwidth.strip_sequences(line))
    assert size >= 0, f"non-printable character in {line!r}"
    return size


def line_text(words) -> str:
    return " ".join("".join(p for p, _ in word) for word in words)


@settings(max_examples=300, deadline=None)
@given(SPANS, st.integers(min_value=2, max_value=120))  # 2: room for one wide character
def test_wrapped_lines_fit_the_width_and_keep_every_character(spans, width) -> None:
    lines = wrap(spans, width)
    for line in lines:
        assert columns(line_text(line)) <= width
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
    assert {columns(line) for line in out.lines} == {width}


@pytest.mark.parametrize("width", [40, 57, 80, 100])
def test_the_report_fits_its_width_and_says_everything(width: int) -> None:
    r = report()
    text = lay_out(r, Layout(width)).text()
    assert max(columns(line) for line in text.splitlines()) <= width
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
    assert max(columns(line) for line in coloured.splitlines()) <= 90  # the pty's width
    plain = _run_in_terminal({**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert "What your answers suggest" in plain


def test_line_breaks_the_author_wrote_are_kept() -> None:
    r = dataclasses.replace(report(), stop_rule="Stop when:\n1. it hurts sharply;\n2. it swells.\n")
    lines = [line.strip("│ ") for line in render(r).splitlines()]
    at = lines.index("Stop when:")
    assert lines[at + 1 : at + 3] == ["1. it hurts sharply;", "2. it swells."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ACCENT, 1),
        ("\u26a0", 1),  # a warning sign as text
        (WARNING, 2),  # the same drawn as an emoji
        ("日本", 4),
        ("漢字", 4),
        ("日\ufe0f", 2),  # already wide
        (THUMB, 2),  # the skin tone does not add two columns
        (FAMILY, 2),
        (FLAG, 2),
        ("│ • ─ ╭╮╰╯ +-|*", 15),
    ],
)
def test_characters_take_the_columns_wcwidth_gives_them(text: str, expected: int) -> None:
    assert wcwidth.wcswidth(text) == expected
    assert cells(text) == expected


def test_the_narrow_shortcut_agrees_with_wcwidth() -> None:
    assert all(wcwidth.wcwidth(c) == 1 for c in NARROW)


def test_control_characters_take_no_column() -> None:
    assert cells("a\x07b") == 2
    assert cells("\x1b[1mbold\x1b[0m") == 4
    out = Layout(40)
    body = out.inner()
    body.para("ring \x07 the bell \x00 twice")
    out.framed("Bell\x07", None, body)
    assert {wcwidth.width(line, control_codes="ignore") for line in out.lines} == {40}


@pytest.mark.parametrize(
    "char", [THUMB, FAMILY, FLAG, "漢字", ACCENT, WARNING], ids=lambda c: c.encode().hex()
)
@pytest.mark.parametrize("colour", [False, True])
def test_a_frame_holding_wide_or_combined_characters_still_lines_up(
    char: str, colour: bool
) -> None:
    out = Layout(40, colour=colour)
    body = out.inner()
    body.para(f"{char} Stop at once if the calf swells {char}.")
    body.para([(char * 30, "1")])  # longer than a line: cut between characters
    body.items([(char, "a marker as wide as it is"), ("10.", f"then {char}")])
    out.framed(f"Careful {char}" + char * 30, "1", body)
    assert {columns(line) for line in out.lines} == {40}


@pytest.mark.parametrize("char", [THUMB, FAMILY, FLAG, "漢", ACCENT, WARNING])
def test_a_long_word_is_cut_between_characters_never_inside_one(char: str) -> None:
    for width in (2, 3, 5):  # 2: room for one wide character, as in the property test above
        lines = wrap([(char * 7, None)], width)
        assert "".join(line_text(line) for line in lines) == char * 7
        for line in lines:
            assert set(wcwidth.iter_graphemes(line_text(line))) == {char}
            assert columns(line_text(line)) <= max(width, wcwidth.wcswidth(char))


def test_a_style_changing_inside_an_emoji_does_not_widen_it() -> None:
    # the skin tone in another style: measured apart, 👍 and 🏽 would take four columns
    spans = [("ab \U0001f44d", None), ("\U0001f3fd cd", "1")]
    assert [line_text(line) for line in wrap(spans, 6)] == [f"ab {THUMB}", "cd"]
    assert [line_text(line) for line in wrap(spans, 5)] == [f"ab {THUMB}", "cd"]


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

"""Every terminal prompt type, driven in process through prompt_toolkit pipe input.

Keys are sent up front and the pipe is closed, so an unexpected extra prompt raises EOFError
instead of hanging. PlainTextOutput keeps what would be on screen, without escape codes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.quiz.asking import BACK, ReviewRow
from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.prompting import TerminalAsker

ENTER, DOWN, UP, LEFT, SPACE, BACKSPACE, CTRL_C = (
    "\r",
    "\x1b[B",
    "\x1b[A",
    "\x1b[D",
    " ",
    "\x7f",
    "\x03",
)


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return api.load()


@contextmanager
def keys(text: str) -> Iterator[io.StringIO]:
    """Run prompts that read `text` as typed keys; yields what was shown."""
    screen = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(text)
        pipe.close()
        with create_app_session(input=pipe, output=PlainTextOutput(screen)):
            yield screen


def ask(defs: Definitions, qid: str, typed: str, answers: dict[str, Any] | None = None) -> Any:
    """Ask one question with the terminal asker; `answers` are those given before."""
    if answers is None:
        answers = {} if qid == "age" else {"age": 41}
    asker = TerminalAsker()
    quiz = Quiz(defs, asker, answers)
    with keys(typed):
        return asker.ask(quiz.prompt_for(qid), quiz.check_for(qid))


def test_single_choice_moves_with_arrows_and_confirms_with_enter(defs: Definitions) -> None:
    assert ask(defs, "knee_side", DOWN + DOWN + ENTER) == "both"
    assert ask(defs, "knee_side", DOWN + DOWN + UP + ENTER) == "right"


def test_single_choice_starts_on_the_previous_answer(defs: Definitions) -> None:
    answers = {"age": 41, "knee_side": "right"}
    assert ask(defs, "knee_side", ENTER, answers) == "right"


def test_yes_no_offers_not_sure(defs: Definitions) -> None:
    assert ask(defs, "recent_trauma", ENTER) == "yes"
    assert ask(defs, "recent_trauma", DOWN + DOWN + ENTER) == "not_sure"


def test_a_yes_no_without_not_sure_has_two_choices(defs: Definitions) -> None:
    # Down twice wraps around to Yes: there is no third choice.
    assert ask(defs, "floor_comfortable", DOWN + DOWN + ENTER) == "yes"


def test_checkbox_ticks_with_space(defs: Definitions) -> None:
    typed = SPACE + DOWN + DOWN + SPACE + ENTER
    assert ask(defs, "pain_activities", typed) == ["walking", "stairs"]


def test_checkbox_exclusive_choice_clears_the_others_and_the_others_clear_it(
    defs: Definitions,
) -> None:
    to_none = DOWN * 11  # from the first choice to "None of these"
    typed = SPACE + DOWN + SPACE + DOWN * 10 + SPACE + ENTER
    assert ask(defs, "red_flags", typed) == ["none"]
    # Tick "None of these", then a warning sign: "None of these" is cleared.
    assert ask(defs, "red_flags", to_none + SPACE + UP + SPACE + ENTER) == ["giving_way_repeatedly"]


def test_checkbox_select_all_is_disabled(defs: Definitions) -> None:
    assert ask(defs, "red_flags", "a" + "i" + SPACE + ENTER) == ["cannot_bear_weight"]


def test_checkbox_with_nothing_ticked_is_not_accepted(defs: Definitions) -> None:
    # Enter with nothing ticked is refused; the prompt stays until a choice is ticked.
    assert ask(defs, "equipment", ENTER + DOWN * 3 + SPACE + ENTER) == ["none"]


def test_checkbox_starts_with_the_previous_answer_ticked(defs: Definitions) -> None:
    answers = {"age": 41, "pain_activities": ["stairs", "running"]}
    assert ask(defs, "pain_activities", ENTER, answers) == ["stairs", "running"]


def test_numbers_show_range_and_unit_and_refuse_values_outside_it(defs: Definitions) -> None:
    asker = TerminalAsker()
    quiz = Quiz(defs, asker, {"age": 41})
    with keys("25" + ENTER + BACKSPACE * 2 + "6,5" + ENTER) as screen:
        value = asker.ask(quiz.prompt_for("sitting_hours"), quiz.check_for("sitting_hours"))
    assert value == 6.5
    shown = screen.getvalue()
    assert "(0 to 24 hours" in shown
    assert "On a usual day, how many hours do you spend sitting? 6.5 hours" in shown


def test_a_whole_number_refuses_decimals(defs: Definitions) -> None:
    assert ask(defs, "age", "4.5" + ENTER + BACKSPACE * 3 + "41" + ENTER) == 41


def test_a_scale_shows_what_its_ends_mean(defs: Definitions) -> None:
    asker = TerminalAsker()
    quiz = Quiz(defs, asker, {"age": 41, "knee_side": "left"})
    with keys("11" + ENTER + BACKSPACE + ENTER) as screen:
        value = asker.ask(quiz.prompt_for("pain_level"), quiz.check_for("pain_level"))
    assert value == 1
    assert "0 = No pain, 10 = Worst pain imaginable" in screen.getvalue()


def test_a_number_keeps_its_previous_value_on_enter(defs: Definitions) -> None:
    assert ask(defs, "age", ENTER, {"age": 41}) == 41


def test_an_optional_number_is_skipped_with_enter(defs: Definitions) -> None:
    answers = {"age": 41, "self_tests": "yes"}
    asker = TerminalAsker()
    quiz = Quiz(defs, asker, answers)
    with keys(ENTER) as screen:
        value = asker.ask(
            quiz.prompt_for("knee_to_wall_left_cm"), quiz.check_for("knee_to_wall_left_cm")
        )
    assert value is None
    shown = screen.getvalue()
    assert "How to do this test:" in shown and "1. Take your shoes and socks off" in shown
    assert "Enter skips" in shown


def test_progress_section_and_help_come_before_the_question(defs: Definitions) -> None:
    asker = TerminalAsker()
    quiz = Quiz(defs, asker, {"age": 41})
    with keys(ENTER) as screen:
        asker.ask(quiz.prompt_for("knee_side"), quiz.check_for("knee_side"))
    shown = screen.getvalue()
    assert "Question 2 of about 26" in shown
    assert "About you and your knee" in shown
    assert shown.index("Pick both if both knees") < shown.index("Which knee hurts?")


def test_left_arrow_goes_back_from_every_kind_of_prompt(defs: Definitions) -> None:
    assert ask(defs, "knee_side", LEFT) is BACK
    assert ask(defs, "pain_activities", SPACE + LEFT) is BACK
    assert ask(defs, "sitting_hours", LEFT) is BACK
    assert ask(defs, "sitting_hours", "back" + ENTER) is BACK


def test_left_arrow_in_a_number_with_text_moves_the_cursor(defs: Definitions) -> None:
    assert ask(defs, "sitting_hours", "2" + LEFT + "1" + ENTER) == 12


def test_the_first_question_has_no_back(defs: Definitions) -> None:
    assert ask(defs, "age", LEFT + "41" + ENTER) == 41
    assert ask(defs, "age", "back" + ENTER + BACKSPACE * 4 + "41" + ENTER) == 41


@pytest.mark.parametrize("qid", ["age", "knee_side", "pain_activities"])
def test_ctrl_c_raises_keyboard_interrupt(defs: Definitions, qid: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        ask(defs, qid, CTRL_C)


def test_running_out_of_keys_raises_eof_instead_of_hanging(defs: Definitions) -> None:
    with pytest.raises(EOFError):
        ask(defs, "knee_side", DOWN)


ROWS = [
    ReviewRow("age", "About you", "How old are you?", "41 years"),
    ReviewRow("knee_side", "About you", "Which knee hurts?", "My left knee"),
]


def test_review_shows_every_answer_and_enter_goes_to_the_report() -> None:
    with keys(ENTER) as screen:
        assert TerminalAsker().review(ROWS) is None
    shown = screen.getvalue()
    assert "How old are you? 41 years" in shown and "Which knee hurts? My left knee" in shown


def test_review_change_picks_a_question_and_left_returns_to_the_summary() -> None:
    with keys(DOWN + ENTER + DOWN + ENTER):
        assert TerminalAsker().review(ROWS) == "knee_side"
    with keys(DOWN + ENTER + LEFT + ENTER):
        assert TerminalAsker().review(ROWS) is None


def test_save_offer_picks_a_format_and_suggests_a_file_name() -> None:
    with keys(ENTER):
        assert TerminalAsker().offer_save("knee-pain-report") is None
    with keys(DOWN + DOWN + ENTER + ENTER):
        choice = TerminalAsker().offer_save("knee-pain-report")
    assert choice is not None and (choice.fmt, choice.path) == ("html", "knee-pain-report.html")
    with keys(DOWN + DOWN + DOWN + ENTER + "\x15" + "out/r.json" + ENTER):
        choice = TerminalAsker().offer_save("knee-pain-report")
    assert choice is not None and (choice.fmt, choice.path) == ("json", "out/r.json")


def test_a_whole_quiz_through_the_terminal_asker(defs: Definitions) -> None:
    from test_quiz import BASE

    typed = "".join(keys_for(Quiz(defs, TerminalAsker()), qid, v) for qid, v in BASE.items())
    with keys(typed + ENTER):
        answers = Quiz(defs, TerminalAsker()).run()
    assert answers == BASE


def keys_for(quiz: Quiz, qid: str, value: Any) -> str:
    """The keys that give `value` to a fresh prompt of `qid` (pointer on the first choice)."""
    prompt = quiz.prompt_for(qid)
    ids = [o.id for o in prompt.options]
    if value is None:
        return ENTER
    if isinstance(value, list):
        out, at = "", 0
        for index in sorted(ids.index(v) for v in value):
            out += DOWN * (index - at) + SPACE
            at = index
        return out + ENTER
    if ids:
        return DOWN * ids.index(value) + ENTER
    return str(value) + ENTER


@pytest.mark.parametrize("depth", ["DEPTH_1_BIT", "DEPTH_8_BIT", "DEPTH_24_BIT"])
def test_lines_between_prompts_are_written_as_prompt_toolkit_writes_them(depth: str) -> None:
    """`say` prints with a style merged once (prompting._style): the bytes on the terminal
    are those of prompt_toolkit's own print_formatted_text, colours and all."""
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.output import ColorDepth
    from prompt_toolkit.output.vt100 import Vt100_Output

    from kinecheck.quiz import prompting

    def terminal() -> tuple[io.StringIO, Vt100_Output]:
        screen = io.StringIO()
        size = lambda: Size(rows=24, columns=60)  # noqa: E731
        color = getattr(ColorDepth, depth)
        return screen, Vt100_Output(screen, size, term="xterm", default_color_depth=color)

    lines = [("bold", "Knee pain and a stiff hip or ankle"), ("fg:ansibrightblack", "Keys: ...")]
    ours, out = terminal()
    with create_app_session(output=out):
        for style, text in lines * 2:  # the second time from the style already merged
            prompting.say(text, style)
    theirs, out = terminal()
    with create_app_session(output=out):
        for style, text in lines * 2:
            fragments = prompting.lines_of([(style, text)])[0]  # one line: what `say` prints
            print_formatted_text(FormattedText(fragments), style=prompting.STYLE)
    assert ours.getvalue() == theirs.getvalue()
    assert ("\x1b[0;90m" in ours.getvalue()) == (depth != "DEPTH_1_BIT")  # grey, with colour

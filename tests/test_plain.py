"""The accessible line mode: what a screen reader hears and what a script types."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.quiz.asking import BACK, Intro, ReviewRow
from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.plain import PlainAsker, prompt_line

BOX_AND_ESCAPES = set("\x1b│─╭╮╰╯┃━■□●○✔✓•")


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return api.load()


def ask(defs: Definitions, qid: str, typed: str, **answers: Any) -> tuple[Any, str]:
    """Ask one question of a quiz that already has `answers`; return the answer and the output."""
    out = io.StringIO()
    asker = PlainAsker(io.StringIO(typed), out)
    quiz = Quiz(defs, asker, answers or ({} if qid == "age" else {"age": 41}))
    value = asker.ask(quiz.prompt_for(qid), quiz.check_for(qid))
    return value, out.getvalue()


def test_a_choice_prompt_is_one_line_with_numbered_choices(defs: Definitions) -> None:
    value, out = ask(defs, "knee_side", "3\n")
    assert (
        "Question 2 of about 26. Which knee hurts? 1 My left knee, 2 My right knee, "
        "3 Both knees. Type a number:" in out
    )
    assert value == "both"
    assert "Answer: Both knees." in out


def test_choices_may_be_typed_as_words_too(defs: Definitions) -> None:
    assert ask(defs, "knee_side", "Right\n")[0] == "right"
    assert ask(defs, "recent_trauma", "not sure\n")[0] == "not_sure"
    assert ask(defs, "recent_trauma", "y\n")[0] == "yes"


def test_multiple_choices_are_typed_as_a_list_of_numbers(defs: Definitions) -> None:
    value, out = ask(defs, "pain_activities", "1,3\n")
    assert value == ["walking", "stairs"]
    assert "separated by commas, like 1,3" in out
    assert "Answer: Walking, Going up or down stairs." in out


def test_an_exclusive_choice_with_others_is_refused_with_the_reason(defs: Definitions) -> None:
    value, out = ask(defs, "red_flags", "1,12\n12\n")
    assert "Not accepted:" in out and "cannot be combined" in out
    assert value == ["none"]


def test_a_number_out_of_range_is_asked_again_with_the_reason(defs: Definitions) -> None:
    value, out = ask(defs, "sitting_hours", "30\n6,5\n")
    assert "Type a number from 0 to 24 hours:" in out
    assert "must be between 0 and 24 hours" in out
    assert out.count("On a usual day") == 2
    assert value == 6.5 and "Answer: 6.5 hours." in out


def test_a_number_that_is_not_a_number_or_a_choice_that_does_not_exist(
    defs: Definitions,
) -> None:
    value, out = ask(defs, "age", "forty\n41\n")
    assert "not a number" in out and value == 41
    value, out = ask(defs, "knee_side", "7\n1\n")
    assert "'7' is not one of the numbers 1 to 3" in out and value == "left"


def test_the_default_is_said_in_words_and_enter_keeps_it(defs: Definitions) -> None:
    out = io.StringIO()
    asker = PlainAsker(io.StringIO("\n"), out)
    quiz = Quiz(defs, asker, {"age": 41, "knee_side": "both"})
    prompt = quiz.prompt_for("knee_side")
    assert "or press Enter for Both knees:" in prompt_line(prompt)
    assert asker.ask(prompt, quiz.check_for("knee_side")) == "both"


def test_an_optional_question_is_skipped_with_enter(defs: Definitions) -> None:
    value, out = ask(defs, "knee_to_wall_left_cm", "\n", age=41, self_tests="yes")
    assert value is None
    assert "or press Enter to skip:" in out and "Answer: skipped." in out
    assert "How to do this test:" in out and "Step 1. Take your shoes" in out


def test_an_empty_answer_to_a_required_question_is_refused(defs: Definitions) -> None:
    value, out = ask(defs, "age", "\n41\n")
    assert "an answer is required" in out and value == 41


def test_question_mark_gives_help_and_asks_again(defs: Definitions) -> None:
    value, out = ask(defs, "red_flags", "?\n12\n")
    assert "Help: Pick every one that applies." in out
    assert "1 I can't take 4 steps on this leg: Even with a limp" in out
    assert "None of these or I'm not sure must be picked on its own." in out
    assert value == ["none"]


def test_back_goes_back_except_on_the_first_question(defs: Definitions) -> None:
    assert ask(defs, "knee_side", "back\n")[0] is BACK
    out = io.StringIO()
    asker = PlainAsker(io.StringIO("back\n41\n"), out)
    quiz = Quiz(defs, asker)
    assert asker.ask(quiz.prompt_for("age"), quiz.check_for("age")) == 41
    assert "There is no earlier question" in out.getvalue()


def test_the_end_of_input_raises_eof(defs: Definitions) -> None:
    with pytest.raises(EOFError):
        ask(defs, "age", "")


def test_greeting_review_and_save_offer(defs: Definitions) -> None:
    out = io.StringIO()
    asker = PlainAsker(io.StringIO("\n9\n1\n2\n\n3\nmine.html\n"), out)
    asker.start(Intro("Knee check", "About knees.", 8))
    rows = [ReviewRow("age", "About you", "How old are you?", "41 years")]
    assert asker.review(rows) is None
    assert asker.review(rows) == "age"  # after a refused 9
    choice = asker.offer_save("knee-pain-report")
    assert choice is not None and (choice.fmt, choice.path) == ("markdown", "knee-pain-report.md")
    choice = asker.offer_save("knee-pain-report")
    assert choice is not None and (choice.fmt, choice.path) == ("html", "mine.html")
    text = out.getvalue()
    assert "It takes about 8 minutes." in text and "Type ? for help" in text
    assert "1. How old are you? 41 years" in text
    assert "Not accepted: type a number from 1 to 1" in text


def test_a_whole_plain_quiz_has_no_escape_codes_boxes_or_symbols(defs: Definitions) -> None:
    from test_quiz import BASE

    lines = []
    for qid, value in BASE.items():
        prompt = Quiz(defs, PlainAsker()).prompt_for(qid)
        if isinstance(value, list):
            lines.append(",".join(str([o.id for o in prompt.options].index(v) + 1) for v in value))
        elif prompt.options:
            lines.append(str([o.id for o in prompt.options].index(value) + 1))
        else:
            lines.append(str(value))
    out = io.StringIO()
    answers = Quiz(defs, PlainAsker(io.StringIO("\n".join(lines) + "\n\n"), out)).run()
    assert answers == BASE
    assert not BOX_AND_ESCAPES & set(out.getvalue())

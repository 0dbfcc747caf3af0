"""The real `kinecheck take` in a pseudo-terminal (pexpect), over a pipe, and with no terminal.

Each test gets its own data directory (KINECHECK_DATA_DIR) and working directory. Prompts are
recognised by their question text; keys are sent only once a prompt is on screen.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.prompting import TerminalAsker
from test_prompting import BACKSPACE, DOWN, ENTER, keys_for
from test_quiz import BASE
from test_take_matches_assess import DEFS, asked_in_order, assessed, plain_line

KINECHECK = str(Path(sys.executable).parent / "kinecheck")
ESC, CTRL_C, CTRL_U = "\x1b", "\x03", "\x15"
WITH_TESTS: dict[str, Any] = {
    **BASE,
    "self_tests": "yes",
    "knee_to_wall_left_cm": 8.5,
    "knee_to_wall_right_cm": None,
    "balance_left_s": 30,
    "balance_right_s": 25,
    "thomas_test": "above_horizontal",
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "ACCESSIBLE", "KINECHECK_PLAIN")
    }
    return {
        **clean,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "KINECHECK_DATA_DIR": str(tmp_path / "data"),
    }


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        KINECHECK, ["take", *args], env=env, encoding="utf-8", dimensions=(50, 200), timeout=20
    )


def answer(child: pexpect.spawn, qid: str, value: Any) -> None:
    """Wait for the question on screen, then type the keys that give `value`."""
    child.expect_exact(DEFS.questions[qid].prompt)
    child.send(keys_for(Quiz(DEFS, TerminalAsker()), qid, value))


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus)


def run_quiz(env: dict[str, str], answers: dict[str, Any], *args: str) -> pexpect.spawn:
    """Answer every question and accept the review; returns the child at the report."""
    child = spawn(env, *args)
    for qid in asked_in_order(answers):
        answer(child, qid, answers[qid])
    child.expect_exact("Are these right?")
    child.send(ENTER)
    return child


def session_file(env: dict[str, str]) -> Path:
    return Path(env["KINECHECK_DATA_DIR"]) / "sessions" / "knee-pain.json"


def test_a_whole_quiz_ends_with_the_report_and_an_offer_to_save_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    child = run_quiz(env, WITH_TESTS)
    child.expect_exact("What your answers suggest")
    child.expect_exact("Your exercise plan")
    child.expect_exact("Stop rule")
    child.expect_exact("Save this report to a file?")
    child.send(DOWN * 3 + ENTER)  # JSON
    child.expect_exact("File name:")
    child.send(CTRL_U + "my report.json" + ENTER)
    child.expect_exact("Report saved to my report.json")
    assert finish(child) == 0
    saved = tmp_path / "my report.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert saved.read_text() == assessed(WITH_TESTS)
    assert not session_file(env).exists()


def test_the_self_test_steps_come_before_their_question(env: dict[str, str]) -> None:
    child = spawn(env, "--answers", str(write_prefill(env, BASE, drop=("self_tests",))))
    child.expect_exact("Would you like to do the three quick self-tests now?")
    child.send(ENTER)  # yes
    child.expect_exact("How to do this test:")
    child.expect_exact("Keep your left heel on the floor")
    child.expect_exact("Knee-to-wall test, left foot.")
    child.sendcontrol("c")
    assert finish(child) == 130


def test_a_wrong_value_is_asked_again_with_the_reason(env: dict[str, str]) -> None:
    child = spawn(env)
    child.expect_exact("How old are you?")
    child.send("200" + ENTER)
    child.expect_exact("must be between 5 and 120")
    child.send(BACKSPACE * 3 + "41" + ENTER)
    child.expect_exact("41 years")  # the accepted answer, echoed
    child.expect_exact("Which knee hurts?")
    child.sendcontrol("c")
    assert finish(child) == 130


def test_back_and_change_an_answer(env: dict[str, str], tmp_path: Path) -> None:
    child = spawn(env, "--save", "r.json")
    answer(child, "age", 41)
    answer(child, "knee_side", "left")
    child.expect_exact(DEFS.questions["pain_level"].prompt)
    child.send(ESC)  # back (Left arrow does the same)
    child.expect_exact("Which knee hurts?")
    child.send(DOWN + ENTER)  # the pointer starts on the old answer, left: now right
    wanted = {**BASE, "knee_side": "right"}
    for qid in asked_in_order(wanted)[2:]:
        answer(child, qid, wanted[qid])
    child.expect_exact("Are these right?")
    child.send(ENTER)
    assert finish(child) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["answers"]["knee_side"] == "right"


def test_review_can_change_an_answer_and_drop_what_no_longer_applies(
    env: dict[str, str], tmp_path: Path
) -> None:
    child = spawn(env, "--save", "r.json")
    for qid in asked_in_order(BASE):
        answer(child, qid, BASE[qid])
    child.expect_exact("Are these right?")
    child.send(DOWN + ENTER)
    child.expect_exact("Which answer do you want to change?")
    child.send(DOWN * list(BASE).index("sports") + ENTER)
    child.expect_exact("Which sports or activities do you do regularly?")
    child.send(" " + DOWN * 7 + " " + ENTER)  # untick running, tick none
    child.expect_exact("Are these right?")
    child.send(ENTER)
    assert finish(child) == 0
    answers = json.loads((tmp_path / "r.json").read_text())["answers"]
    assert answers["sports"] == ["none"] and "running_cycling_hours" not in answers


def test_ctrl_c_saves_and_resume_finishes_with_the_same_report(
    env: dict[str, str], tmp_path: Path
) -> None:
    straight = run_quiz(env, BASE, "--save", "straight.json")
    assert finish(straight) == 0

    order = asked_in_order(BASE)
    child = spawn(env)  # the second start shows the cached first question at once
    for qid in order[:8]:
        answer(child, qid, BASE[qid])
    child.expect_exact(DEFS.questions[order[8]].prompt)
    child.sendcontrol("c")
    child.expect_exact("kinecheck take --resume")
    assert finish(child) == 130
    saved = session_file(env)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert len(json.loads(saved.read_text())["answers"]) == 8

    child = spawn(env, "--resume", "--save", "resumed.json")
    child.expect_exact("Welcome back: 8 saved answers are kept.")
    for qid in order[8:]:
        answer(child, qid, BASE[qid])
    child.expect_exact("Are these right?")
    child.send(ENTER)
    assert finish(child) == 0
    assert (tmp_path / "resumed.json").read_text() == (tmp_path / "straight.json").read_text()
    assert not saved.exists()


def test_ctrl_c_at_the_very_first_question_exits_130_and_saves_nothing(
    env: dict[str, str],
) -> None:
    for _ in range(2):  # the second run starts from the cached first prompt
        child = spawn(env)
        child.expect_exact("How old are you?")
        child.sendcontrol("c")
        child.expect_exact("Stopped. Nothing was answered yet, so nothing was saved.")
        assert finish(child) == 130
        assert not session_file(env).exists()  # else the next start would not be a fresh one


def test_a_closed_terminal_saves_the_answers_like_ctrl_c(env: dict[str, str]) -> None:
    child = spawn(env)
    answer(child, "age", 41)
    child.expect_exact(DEFS.questions["knee_side"].prompt)
    child.kill(signal.SIGHUP)  # what the terminal sends when its window is closed
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    saved = session_file(env)
    assert json.loads(saved.read_text())["answers"] == {"age": 41}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_every_answer_is_saved_as_it_is_given_so_a_kill_loses_nothing(
    env: dict[str, str],
) -> None:
    child = spawn(env)
    answer(child, "age", 41)
    answer(child, "knee_side", "left")
    child.expect_exact(DEFS.questions["pain_level"].prompt)
    child.kill(signal.SIGKILL)  # no chance to save on the way out
    child.expect(pexpect.EOF)
    child.close()
    saved = session_file(env)
    assert json.loads(saved.read_text())["answers"] == {"age": 41, "knee_side": "left"}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    resumed = spawn(env, "--resume")
    resumed.expect_exact(DEFS.questions["pain_level"].prompt)  # the first open question
    resumed.sendcontrol("c")
    assert finish(resumed) == 130


def write_prefill(env: dict[str, str], answers: dict[str, Any], drop: tuple[str, ...]) -> Path:
    path = Path(env["KINECHECK_DATA_DIR"]).parent / "prefill.json"
    path.write_text(json.dumps({k: v for k, v in answers.items() if k not in drop}))
    return path


def plain_input(answers: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    order = [q for q in asked_in_order(answers) if q not in skip]
    return "\n".join([plain_line(q, answers[q]) for q in order] + [""]) + "\n"


def test_plain_mode_is_scriptable_over_a_pipe(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [KINECHECK, "take", "--plain", "--save", "r.md"],
        input=plain_input(WITH_TESTS),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "Question 1 of about 26. How old are you? Type a whole number from 5 to 120 years:" in out
    )
    assert "Answer: My left knee." in out
    assert "What your answers suggest" in out and "Stop rule" in out
    assert "\x1b" not in out and "╭" not in out
    assert (tmp_path / "r.md").read_text().startswith("# ")


def test_accessible_env_turns_plain_mode_on(env: dict[str, str]) -> None:
    done = subprocess.run(
        [KINECHECK, "take"],
        input="41\n",
        capture_output=True,
        text=True,
        env={**env, "ACCESSIBLE": "1"},
        timeout=60,
    )
    assert "Question 1 of about 26. How old are you?" in done.stdout
    assert done.returncode == 2  # the input ended after one answer


def test_plain_end_of_input_saves_and_resume_continues(env: dict[str, str], tmp_path: Path) -> None:
    lines = plain_input(BASE).splitlines()
    first = subprocess.run(
        [KINECHECK, "take", "--plain"],
        input="\n".join(lines[:5]) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert first.returncode == 2
    assert "input ended" in first.stderr and "kinecheck take --plain --resume" in first.stderr
    assert "Traceback" not in first.stderr
    assert len(json.loads(session_file(env).read_text())["answers"]) == 5
    rest = subprocess.run(
        [KINECHECK, "take", "--plain", "--resume", "--save", "r.json"],
        input="\n".join(lines[5:]) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert rest.returncode == 0, rest.stderr
    assert (tmp_path / "r.json").read_text() == assessed(BASE)


def test_answers_file_prefills_and_only_the_rest_is_asked(
    env: dict[str, str], tmp_path: Path
) -> None:
    prefill = write_prefill(env, BASE, drop=("pain_level", "equipment"))
    done = subprocess.run(
        [KINECHECK, "take", "--plain", "--answers", str(prefill), "--save", "r.json"],
        input="3\n1\n\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    asked = [line for line in done.stdout.splitlines() if line.startswith("Question ")]
    assert len(asked) == 2
    assert "18 answers were filled in" in done.stdout
    assert (tmp_path / "r.json").read_text() == assessed(BASE)


def test_an_invalid_answers_file_is_refused_before_any_question(env: dict[str, str]) -> None:
    bad = Path(env["KINECHECK_DATA_DIR"]).parent / "bad.json"
    bad.write_text(json.dumps({"age": 300, "knee_side": "middle"}))
    done = subprocess.run(
        [KINECHECK, "take", "--plain", "--answers", str(bad)],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "age" in done.stderr and "knee_side" in done.stderr
    assert "Question" not in done.stdout


def test_without_a_terminal_it_says_what_to_use_instead(env: dict[str, str]) -> None:
    done = subprocess.run(
        [KINECHECK, "take"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=20,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--plain" in lines[0] and "kinecheck assess knee-pain --answers FILE" in lines[0]
    assert done.stdout == ""


def test_an_unknown_save_format_is_refused_before_the_quiz(env: dict[str, str]) -> None:
    child = spawn(env, "--save", "report.pdf")
    child.expect_exact("cannot tell the report format")
    assert finish(child) == 2


@pytest.mark.parametrize("args", [["--help"], ["take", "--help"]])
def test_help_does_not_load_the_prompt_library(args: list[str]) -> None:
    code = (
        "import sys\nfrom kinecheck.cli import main\n"
        f"sys.argv = ['kinecheck', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('questionary', 'prompt_toolkit') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--resume" in done.stdout or "take" in done.stdout
    assert "LOADED []" in done.stdout


def test_an_answer_taken_back_leaves_no_saved_session(env: dict[str, str]) -> None:
    done = subprocess.run(
        [KINECHECK, "take", "--plain"],
        input="41\nback\n",  # answer the age, go back to it, then the input ends
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Nothing was answered yet, so nothing was saved" in done.stderr
    assert not session_file(env).exists()


# -- a warning sign stops what only the plan needs (issue: safer quiz) -------------------------

FELL_TWO_DAYS_AGO: dict[str, Any] = {
    "age": 60,
    "knee_side": "left",
    "pain_level": 6,
    "pain_activities": ["walking", "stairs"],
    "recent_trauma": "yes",
    "red_flags": ["cannot_bend_90"],
    "current_injury": "no",
    "pain_source_known": "no",
    "other_pain": ["none"],
    "sitting_hours": 3,
    "sports": ["walking"],
    "hips_feel_tight": "no",
    "heel_days_per_week": 0,
    "ankle_sprains": 0,
    "ankle_gives_way": "no",
    "calves_feel_tight": "no",
}
# Written out by hand (not from the flow code): what the 60-year-old is asked, in order.
FELL_ASKED = list(FELL_TWO_DAYS_AGO)
PLAN_ONLY_PROMPTS = (
    "Would you like to do the three quick self-tests now?",
    "Which of these do you have at home?",
    "Can you get down onto the floor and back up again comfortably?",
)


def test_after_a_warning_sign_the_quiz_asks_nothing_only_the_plan_needs(
    env: dict[str, str],
) -> None:
    child = spawn(env)
    for qid in FELL_ASKED:
        answer(child, qid, FELL_TWO_DAYS_AGO[qid])
    child.expect_exact("Are these right?")
    seen = child.before
    child.send(ENTER)
    child.expect_exact("Save this report to a file?")
    report = child.before
    child.send(ENTER)  # no
    assert finish(child) == 0
    for prompt in PLAN_ONLY_PROMPTS:
        assert prompt not in seen and prompt not in report
    assert "today" in report.lower()  # the urgent advice leads the report


def test_questions_that_can_still_raise_the_level_are_asked(env: dict[str, str]) -> None:
    calf = {**FELL_TWO_DAYS_AGO, "recent_trauma": "no", "red_flags": ["calf_swelling"]}
    child = spawn(env)
    for qid in ("age", "knee_side", "pain_level", "pain_activities", "recent_trauma"):
        answer(child, qid, calf[qid])
    answer(child, "red_flags", calf["red_flags"])
    answer(child, "chest_symptoms", "no")  # asked: it can still make this an emergency
    for qid in FELL_ASKED[6:]:
        answer(child, qid, calf[qid])
    child.expect_exact("Are these right?")
    assert all(prompt not in child.before for prompt in PLAN_ONLY_PROMPTS)
    child.sendcontrol("c")
    finish(child)


def test_ctrl_c_at_the_first_question_says_older_answers_are_still_there(
    env: dict[str, str],
) -> None:
    child = spawn(env)
    answer(child, "age", 41)
    child.expect_exact(DEFS.questions["knee_side"].prompt)
    child.sendcontrol("c")  # an unfinished quiz is saved
    assert finish(child) == 130
    before = session_file(env).read_bytes()
    child = spawn(env)  # a fresh start, stopped at once
    child.expect_exact("How old are you?")
    child.sendcontrol("c")
    child.expect_exact("Nothing new was answered. Your answers from the earlier quiz are still")
    child.expect_exact("kinecheck take --resume")
    assert finish(child) == 130
    assert session_file(env).read_bytes() == before  # and they really are


def test_the_quiz_asks_before_it_replaces_a_file_and_keeps_it_on_no(
    env: dict[str, str], tmp_path: Path
) -> None:
    kept = tmp_path / "r.md"
    kept.write_text("my notes")
    child = run_quiz(env, BASE)
    child.expect_exact("Save this report to a file?")
    child.send(DOWN + ENTER)  # Markdown
    child.expect_exact("File name:")
    child.send(CTRL_U + "r.md" + ENTER)
    child.expect_exact("r.md already exists. Replace it?")
    child.send(ENTER)  # the pointer starts on No
    child.expect_exact("r.md is kept. Choose another name, or No.")
    child.expect_exact("Save this report to a file?")
    child.send(ENTER)  # No
    assert finish(child) == 0
    assert kept.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".md") == ["r.md"]


def test_the_plain_quiz_replaces_a_file_only_after_a_typed_yes(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "r.md").write_text("my notes")
    lines = [plain_line(qid, BASE[qid]) for qid in asked_in_order(BASE)]
    typed = "\n".join([*lines, "", "2", "r.md", "2"]) + "\n"  # review ok, Markdown, name, Yes
    done = subprocess.run(
        [KINECHECK, "take", "--plain"], input=typed, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "r.md already exists. Replace it? 1 No, 2 Yes" in done.stdout
    assert (tmp_path / "r.md").read_text().startswith("# ")


def test_on_a_small_terminal_the_summary_is_on_screen_at_the_save_question(
    env: dict[str, str],
) -> None:
    child = pexpect.spawn(
        KINECHECK, ["take"], env=env, encoding="utf-8", dimensions=(30, 80), timeout=20
    )
    for qid in asked_in_order(BASE):
        answer(child, qid, BASE[qid])
    child.expect_exact("Are these right?")
    child.send(ENTER)
    child.expect_exact("Save this report to a file?")
    screen = child.before.replace("\r", "").splitlines()[-26:]  # what 30 rows still show
    shown = " ".join(" ".join(line.strip("│╭╮╰╯─ ").split()) for line in screen)
    assert "In short" in shown
    assert "Limited hip mobility (likely)" in shown
    assert "Exercises, in order: 1." in shown
    child.send(ENTER)
    assert finish(child) == 0

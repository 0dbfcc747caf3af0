"""The work of `kinecheck take`: prefill or resume, run the quiz, save on stop, report, save it.

Front-end neutral: the CLI picks the asker (terminal or plain) and this module does the rest,
so both front ends stop, resume and report the same way.
"""

from __future__ import annotations

import contextlib
import shlex
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck import api
from kinecheck.definitions.catalog import DEFAULT_QUESTIONNAIRE
from kinecheck.definitions.compiled import Definitions
from kinecheck.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AnswersError,
    InputError,
)
from kinecheck.fileio import write_atomic
from kinecheck.quiz import sessions
from kinecheck.quiz.asking import Asker
from kinecheck.quiz.loop import Quiz, QuizStopped
from kinecheck.render.formats import FORMAT_BY_SUFFIX
from kinecheck.scoring.answers import AnswerValidator

if TYPE_CHECKING:
    from kinecheck.scoring.report import Report


@dataclass(frozen=True)
class Options:
    """What the person asked for on the command line."""

    questionnaire: str
    plain: bool = False
    resume: bool = False
    answers: Path | None = None
    save: Path | None = None


def report_format(path: Path) -> str:
    """The report format a file name asks for, from its extension."""
    fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMAT_BY_SUFFIX))
        raise InputError(f"{path}: cannot tell the report format from the extension (use {known})")
    return fmt


def resume_command(opts: Options) -> str:
    """The command that continues this quiz."""
    parts = ["kinecheck", "take"]
    if opts.questionnaire != DEFAULT_QUESTIONNAIRE:
        parts.append(shlex.quote(opts.questionnaire))
    if opts.plain:
        parts.append("--plain")
    return " ".join([*parts, "--resume"])


def check_options(opts: Options) -> str | None:
    """Reject option mixes before anything is asked; return the --save format."""
    if opts.resume and opts.answers is not None:
        raise InputError("use --resume or --answers, not both")
    return report_format(opts.save) if opts.save is not None else None


def take(opts: Options, asker: Asker) -> int:
    """Run the whole quiz with `asker`, then show (and maybe save) the report; exit code."""
    save_format = check_options(opts)
    defs = api.load(opts.questionnaire)
    start, notes = starting_answers(defs, opts)
    quiz = Quiz(
        defs,
        asker,
        start,
        on_change=lambda answers: keep_session(defs, answers),  # nothing lost if killed
    )
    try:
        with _hang_up_is_ctrl_c():
            answers = quiz.run(notes)
    except QuizStopped as stop:
        return stopped(defs, stop, opts)
    sessions.delete(defs.questionnaire_ref.id)
    report = api.assess(defs, AnswerValidator(defs).validate(answers).answers)
    show_report(report, plain=opts.plain)
    return save_report(report, opts, save_format, asker)


def keep_session(defs: Definitions, answers: dict[str, Any]) -> None:
    """Save the answers so far; once every answer given here is taken back, keep no file."""
    if answers:
        sessions.save(defs, answers)
    else:
        sessions.delete(defs.questionnaire_ref.id)


def stopped(defs: Definitions, stop: QuizStopped, opts: Options) -> int:
    """Save the answers so far and say, in one line, how to go on.

    Nothing answered means nothing saved: an empty session would only stand in the way of the
    next fresh start (and of any answers saved earlier).
    """
    if stop.answers:
        sessions.save(defs, stop.answers)
        kept = f"Your answers so far are saved: `{resume_command(opts)}` continues."
    else:
        kept = "Nothing was answered yet, so nothing was saved."
    if stop.reason == "interrupted":
        _err(f"\nStopped. {kept}")
        return EXIT_INTERRUPTED
    plain = "" if opts.plain else "without a terminal use `kinecheck take --plain`, or "
    _err(
        f"error: the input ended before the quiz was finished. {kept[:-1]}; {plain}to score a "
        f"complete answers file use `kinecheck assess {shlex.quote(opts.questionnaire)} "
        "--answers FILE`."
    )
    return EXIT_BAD_INPUT


def starting_answers(defs: Definitions, opts: Options) -> tuple[dict[str, Any], list[str]]:
    """Answers to start from (a saved session or a pre-fill file) and what to tell about them."""
    qid = defs.questionnaire_ref.id
    if opts.resume:
        saved = sessions.load(qid)
        if saved is None:
            return {}, ["No saved answers were found, so the quiz starts from the beginning."]
        restored = sessions.restore(defs, saved)
        notes = [f"Welcome back: {len(restored.answers)} saved answers are kept."]
        if restored.changed:
            was = f" (version {restored.old_version})" if restored.old_version else ""
            notes.insert(
                0,
                f"This questionnaire has changed since you saved{was}; it is now version "
                f"{defs.questionnaire_ref.version}. Your answers were checked again.",
            )
        if restored.dropped:
            notes.append(
                "These answers no longer fit and will be asked again: "
                + "; ".join(restored.dropped)
                + "."
            )
        return restored.answers, notes
    notes = []
    if sessions.exists(qid):
        notes.append(
            f"You have unfinished answers from an earlier quiz: `{resume_command(opts)}` "
            "continues them. They are replaced once you answer a question here, and deleted "
            "when you finish."
        )
    if opts.answers is None:
        return {}, notes
    checked = _prefill(defs, opts.answers)
    for warning in checked.warnings:
        _err(f"warning: {warning}")
    notes.append(
        f"{len(checked.answers)} answers were filled in from {opts.answers}; "
        "only the missing ones are asked."
    )
    return checked.answers, notes


def _prefill(defs: Definitions, path: Path) -> Any:
    """Read and check a pre-fill file (partial answers are fine; wrong ones are errors)."""
    from kinecheck.scoring.answers_files import read_answers

    source = read_answers(str(path))
    try:
        return AnswerValidator(defs).validate(source.data, partial=True)
    except AnswersError as exc:
        exc.source = str(path)
        raise


def show_report(report: Report, *, plain: bool) -> None:
    """Print the report to the terminal (no frames or colour in plain mode)."""
    from kinecheck.render.text import show

    sys.stdout.write("\n")
    show(report, sys.stdout, plain=plain)


def save_report(report: Report, opts: Options, fmt: str | None, asker: Asker) -> int:
    """Write the report where --save says, or offer to save it."""
    path = opts.save
    if path is None or fmt is None:
        try:
            choice = asker.offer_save(f"{report.questionnaire.id}-report")
        except EOFError:
            return EXIT_OK
        except KeyboardInterrupt:
            _err("\nThe report was not saved.")
            return EXIT_INTERRUPTED
        if choice is None:
            return EXIT_OK
        path, fmt = Path(choice.path).expanduser(), choice.fmt
    from kinecheck.render import renderer

    try:
        write_atomic(path, renderer(fmt)(report))
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    print(f"Report saved to {path} (readable only by you).")
    return EXIT_OK


def _err(message: str) -> None:
    with contextlib.suppress(OSError):  # the terminal may already be gone (hang-up)
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _hang_up_is_ctrl_c() -> Iterator[None]:
    """A closed terminal (SIGHUP) or a polite kill (SIGTERM) saves the answers like Ctrl-C."""
    wanted = [getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

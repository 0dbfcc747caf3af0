"""The work of `kinecheck take`: prefill or resume, run the quiz, save on stop, report, save it.

Front-end neutral: the CLI picks the asker (terminal or plain) and this module does the rest,
so both front ends stop, resume and report the same way.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shlex
import signal
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.defaults import default_questionnaire
from kinecheck.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InputError,
)
from kinecheck.fileio import FileExists, check_target, write_atomic
from kinecheck.quiz import sessions
from kinecheck.quiz.asking import Asker
from kinecheck.quiz.loop import Quiz, QuizStopped
from kinecheck.records import Record, record
from kinecheck.render.formats import FORMAT_BY_SUFFIX
from kinecheck.scoring.answers import AnswerValidator

if TYPE_CHECKING:
    from kinecheck.scoring.report import Report


@record
class Options(Record):
    """What the person asked for on the command line."""

    questionnaire: str
    plain: bool = False
    resume: bool = False
    answers: Path | None = None
    save: Path | None = None
    force: bool = False  # --force: --save may replace an existing file


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
    if opts.questionnaire != default_questionnaire():
        parts.append(shlex.quote(opts.questionnaire))
    if opts.plain:
        parts.append("--plain")
    return " ".join([*parts, "--resume"])


def check_options(opts: Options) -> str | None:
    """Reject option mixes and unusable --save paths before anything is asked; the format.

    Twenty questions answered and then 'file exists' would waste the person's time, so the
    --save file is checked here too (and again when it is written).
    """
    if opts.resume and opts.answers is not None:
        raise InputError("use --resume or --answers, not both")
    if opts.save is None:
        if opts.force:
            raise InputError("--force only applies to --save PATH")
        return None
    fmt = report_format(opts.save)
    check_target(opts.save, replace=opts.force)
    return fmt


def take(opts: Options, asker: Asker) -> int:
    """Run the whole quiz with `asker`, then show (and maybe save) the report; exit code."""
    save_format = check_options(opts)
    defs = api.load(opts.questionnaire)
    start, notes = starting_answers(defs, opts)
    keeper = SessionKeeper(defs, asker)
    quiz = Quiz(defs, asker, start, on_change=keeper.keep)  # saved before it is echoed
    try:
        with hang_up_is_ctrl_c():
            answers = quiz.run(notes)
    except QuizStopped as stop:
        return stopped(defs, stop, opts)
    keeper.forget()
    report = api.assess(defs, AnswerValidator(defs).validate(answers).answers)
    show_report(report, plain=opts.plain)
    return save_report(report, opts, save_format, asker)


class SessionKeeper:
    """Saves the answers after every change; when it cannot, says so once and lets the quiz go on.

    A read-only home or a data folder that is not ours alone must not cost the person the
    report they are answering for: the quiz runs to the end either way, it just cannot be
    resumed.
    """

    def __init__(self, defs: Definitions, asker: Asker) -> None:
        self.defs = defs
        self.asker = asker
        self.warned = False

    def keep(self, answers: dict[str, Any]) -> None:
        """Save the answers so far; once every answer given here is taken back, keep no file."""
        try:
            if answers:
                sessions.save(self.defs, answers)
            else:
                sessions.delete(self.defs.questionnaire_ref.id)
        except sessions.SessionNotSaved as exc:
            self._warn(str(exc))
        except OSError as exc:
            self._warn(f"{sessions.session_path(self.defs.questionnaire_ref.id)}: {_reason(exc)}")

    def _warn(self, why: str) -> None:
        if not self.warned:
            self.warned = True
            self.asker.say(
                f"Your progress cannot be saved ({why}). The quiz carries on to your report, "
                "but if it stops before then, your answers are lost."
            )

    def forget(self) -> None:
        """Delete the saved session once the quiz is done; say so if it has to stay."""
        path = sessions.session_path(self.defs.questionnaire_ref.id)
        try:
            sessions.delete(self.defs.questionnaire_ref.id)
        except OSError as exc:
            err(
                f"warning: your saved answers in {path} could not be deleted ({_reason(exc)}); "
                "delete that file yourself"
            )


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def stopped(defs: Definitions, stop: QuizStopped, opts: Options) -> int:
    """Save the answers so far and say, in one line, how to go on.

    Nothing answered means nothing saved: an empty session would only stand in the way of the
    next fresh start (and of any answers saved earlier).
    """
    not_saved = None
    if stop.answers:
        try:
            sessions.save(defs, stop.answers)
        except sessions.SessionNotSaved as exc:
            not_saved = str(exc)
    if not_saved:
        kept = (
            f"Your answers could not be saved ({not_saved}), so the quiz starts afresh next time."
        )
    elif stop.answers:
        kept = f"Your answers so far are saved: `{resume_command(opts)}` continues."
    elif sessions.exists(defs.questionnaire_ref.id):  # an earlier quiz's answers, untouched
        kept = (
            "Nothing new was answered. Your answers from the earlier quiz are still saved: "
            f"`{resume_command(opts)}` continues them."
        )
    else:
        kept = "Nothing was answered yet, so nothing was saved."
    if stop.reason == "interrupted":
        err(f"\nStopped. {kept}")
        return EXIT_INTERRUPTED
    plain = "" if opts.plain else "without a terminal use `kinecheck take --plain`, or "
    err(
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
            notes.append(dropped_note(restored.dropped))
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
    checked = prefill(defs, opts.answers)
    for warning in checked.warnings:
        err(f"warning: {warning}")
    notes.append(
        f"{len(checked.answers)} answers were filled in from {opts.answers}; "
        "only the missing ones are asked."
    )
    return checked.answers, notes


def dropped_note(dropped: list[str]) -> str:
    """What to say about saved answers that the re-check dropped (question ids and reasons)."""
    return "These answers no longer fit and will be asked again: " + "; ".join(dropped) + "."


def prefill(defs: Definitions, path: Path) -> Any:
    """Read and check a pre-fill file (partial answers are fine; wrong ones are errors)."""
    from kinecheck.scoring.answers_files import check_file, read_answers

    source = read_answers(str(path), keep_duplicates=True)
    validator = AnswerValidator(defs)
    return check_file(source, str(path), lambda data: validator.validate(data, partial=True))


def show_report(report: Report, *, plain: bool) -> None:
    """Print the report to the terminal (no frames or colour in plain mode)."""
    from kinecheck.render.text import show

    sys.stdout.write("\n")
    show(report, sys.stdout, plain=plain)


def save_report(report: Report, opts: Options, fmt: str | None, asker: Asker) -> int:
    """Write the report where --save says, or offer to save it; the exit code."""
    if opts.save is None or fmt is None:
        return _save_from_menu(report, asker)
    _write(report, opts.save, fmt, replace=opts.force)
    return EXIT_OK


def default_stem(questionnaire_id: str, today: date | None = None) -> str:
    """The name the save menu suggests, dated so a later report does not take its name."""
    return f"{questionnaire_id}-report-{(today or date.today()).isoformat()}"


def free_name(path: Path) -> Path:
    """`name (2).md`, `name (3).md`, ...: the first name beside `path` that is not taken."""
    numbered = re.fullmatch(r"(.*) \((\d+)\)", path.stem)
    stem = numbered.group(1) if numbered else path.stem
    for number in itertools.count(2):
        candidate = path.with_name(f"{stem} ({number}){path.suffix}")
        if not _taken(candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _save_from_menu(report: Report, asker: Asker) -> int:
    """Offer to save until a file is written or the person says no.

    A name that cannot be used (a missing folder, a file the person keeps) is explained and
    the offer comes again: the report the person just waited for is not lost to a typo, and
    no file is replaced without a yes.
    """
    stem = default_stem(report.questionnaire.id)
    while True:
        try:
            choice = asker.offer_save(stem)
            if choice is None:
                return EXIT_OK
            path = Path(choice.path).expanduser()
            replace = False
            if _taken(path) and not path.is_dir():
                replace = asker.confirm_overwrite(str(path))
                if not replace:
                    asker.say(f"{path} is kept. Choose another name, or No.")
                    stem = str(free_name(path).with_suffix(""))
                    continue
        except EOFError:
            return EXIT_OK
        except KeyboardInterrupt:
            err("\nThe report was not saved.")
            return EXIT_INTERRUPTED
        try:
            _write(report, path, choice.fmt, replace=replace)
        except FileExists:  # made meanwhile, by someone else
            asker.say(f"{path} already exists and is kept. Choose another name, or No.")
            continue
        except InputError as exc:  # a missing folder, a folder's name, no permission
            asker.say(f"The report was not saved: {exc}. Choose another name, or No.")
            continue
        return EXIT_OK


def _taken(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _write(report: Report, path: Path, fmt: str, *, replace: bool) -> None:
    """Render and write atomically, owner-only; InputError says why a file cannot be written."""
    from kinecheck.render import renderer

    try:
        write_atomic(path, renderer(fmt)(report), replace=replace)
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    print(f"Report saved to {path} (readable only by you).")


def err(message: str) -> None:
    """A line on standard error, where a terminal already gone (hang-up) is no reason to fail."""
    with contextlib.suppress(OSError):  # the terminal may already be gone (hang-up)
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def hang_up_is_ctrl_c() -> Iterator[None]:
    """A closed terminal (SIGHUP) or a polite kill (SIGTERM) saves the answers like Ctrl-C."""
    wanted = [getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

"""The work of `kinecheck clinic intake`: the quiz of `take`, each answer stored as it is given.

Front-end neutral like `kinecheck.quiz.taking`: the CLI picks the asker (terminal or plain) and
this module opens the client's record, runs the quiz and stores the scored session. The quiz
calls `AnswerKeeper.keep` after every change, before the front end echoes the answer, and the
keeper commits it at once in a transaction of its own: an answer on screen is an answer in the
database, so Ctrl-C, a closed terminal or a killed process leave a session that `--resume`
continues where it stopped, with the definitions it was started with.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck import api
from kinecheck.clinic import audit, sessions
from kinecheck.clinic.db import ClinicError
from kinecheck.definitions.defaults import default_questionnaire
from kinecheck.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, InputError
from kinecheck.quiz import taking
from kinecheck.quiz.loop import Quiz, QuizStopped

if TYPE_CHECKING:
    from sqlalchemy.orm import Session as DbSession

    from kinecheck.clinic.store import Store
    from kinecheck.clinic.tables import Client, Session
    from kinecheck.definitions.compiled import Definitions
    from kinecheck.quiz.asking import Asker


@dataclass(frozen=True)
class IntakeOptions:
    """What the clinician asked for on the command line."""

    client: int
    questionnaire: str | None = None  # id or path; None: the default questionnaire
    answers: Path | None = None  # --answers: pre-fill (partial is fine)
    resume: bool = False
    plain: bool = False
    db: str | None = None  # --db as given (never with a password: `db.chosen_url` refuses it)
    clinician: str | None = None


@dataclass
class Begun:
    """A session ready to be asked: whose, with which definitions, and what it holds."""

    client_id: int
    subject: str  # the client's audit token
    defs: Definitions
    session_id: int | None  # None until the first answer is stored (nothing asked, nothing kept)
    stored: dict[str, Any]  # the answers the database holds now
    start: dict[str, Any]  # the answers the quiz starts from (stored, re-checked, or pre-filled)
    notes: list[str]


def check_options(opts: IntakeOptions) -> None:
    """Refuse option mixes before anything is opened or asked."""
    if opts.resume and opts.answers is not None:
        raise InputError(
            "use --resume or --answers, not both (--resume continues with the answers stored)"
        )


def intake(opts: IntakeOptions, asker: Asker) -> int:
    """Open the record, run the quiz with `asker`, store the scored session; the exit code."""
    from kinecheck.clinic.store import open_store

    check_options(opts)
    name = opts.questionnaire or default_questionnaire()
    defs = prefilled = None
    if not opts.resume:  # the definitions and the pre-fill are checked before anything is stored
        defs = api.load(name)
        prefilled = _prefilled(defs, opts.answers) if opts.answers is not None else None
    store = open_store(opts.db, opts.clinician)
    try:
        begun = begin(store, opts, name, defs)
        keeper = AnswerKeeper(store, begun, asker)
        if prefilled is not None:
            _store_prefilled(keeper, begun, prefilled, opts)
        return run(keeper, begun, opts, asker)
    finally:
        store.close()


def _prefilled(defs: Definitions, path: Path) -> dict[str, Any]:
    """The answers of a pre-fill file, checked (AnswersError lists every wrong one)."""
    from kinecheck.scoring.flow import prune

    checked = taking.prefill(defs, path)
    for warning in checked.warnings:
        taking.err(f"warning: {warning}")
    answers, _ = prune(defs, checked.answers)  # as the quiz will hold them
    return answers


def _store_prefilled(
    keeper: AnswerKeeper, begun: Begun, answers: dict[str, Any], opts: IntakeOptions
) -> None:
    """Store the pre-filled answers before the first question (ClinicError when they cannot be)."""
    why = keeper.write(answers)
    if why is not None:
        raise ClinicError(f"{why}; the answers from {opts.answers} were not stored")
    begun.start = dict(answers)
    where = f" in session {keeper.session_id}" if answers else ""
    begun.notes.append(
        f"{len(answers)} answers were filled in from {opts.answers} and stored{where}; only the "
        "missing ones are asked."
    )


def begin(store: Store, opts: IntakeOptions, name: str, defs: Definitions | None) -> Begun:
    """The unfinished session (--resume), or a new one that is started with its first answer.

    A new session is not written until there is an answer to store: a quiz stopped before its
    first answer leaves no empty session to stand in front of the unfinished one.
    """
    qid = defs.questionnaire_ref.id if defs is not None else _questionnaire_id(name)
    with store.transaction() as db:
        client = sessions.get_client(db, opts.client, archived_ok=False)
        unfinished = sessions.in_progress(db, client.id, qid)
        if opts.resume and unfinished is not None:
            return _resumed(db, store.actor, client, unfinished)
        greeting, subject, client_id = _greeting(client), client.subject, client.id
        earlier = None if unfinished is None else (unfinished.id, unfinished.started_at)
    notes = [f"{greeting} Each answer is stored as soon as it is given."]
    if opts.resume:
        notes.append(
            f"No unfinished intake of {qid} was found for client {client_id}, so this starts "
            "a new one."
        )
    elif earlier is not None:
        notes.append(
            f"Client {client_id} has an unfinished intake (session {earlier[0]}, started "
            f"{_when(earlier[1])}): `{resume_command(opts)}` continues it. This is a new one."
        )
    if defs is None:
        defs = api.load(name)
    return Begun(client_id, subject, defs, None, {}, {}, notes)


def _resumed(db: DbSession, actor: str, client: Client, session: Session) -> Begun:
    """The unfinished session, with the definitions it was started with and its answers."""
    from kinecheck.quiz import sessions as saved_quiz

    defs = sessions.definitions_of(db, session)
    stored = sessions.answers_of(db, session.id)
    audit.record(
        db,
        actor,
        "session.read",
        subject=client.subject,
        session_id=session.id,
        detail={"purpose": "resume"},
    )
    ref = defs.questionnaire_ref
    same = {"id": ref.id, "version": ref.version, "sha256": ref.sha256}
    # The same re-check a saved `take` session gets: an answer this kinecheck no longer
    # accepts is asked again (the quiz's first change takes its row back).
    restored = saved_quiz.restore(defs, saved_quiz.Saved(same, stored, ""))
    notes = [
        f"{_greeting(client)} Session {session.id}, started {_when(session.started_at)}; each "
        "answer is stored as soon as it is given.",
        f"Welcome back: {len(restored.answers)} stored answers are kept.",
    ]
    if restored.dropped:
        notes.append(taking.dropped_note(restored.dropped))
    return Begun(client.id, client.subject, defs, session.id, stored, restored.answers, notes)


def _questionnaire_id(name: str) -> str:
    """The id of a questionnaire named by id or by path (a path is read to find it)."""
    from kinecheck.definitions import catalog

    if catalog.looks_like_path(name):
        return api.load(name).questionnaire_ref.id
    return name


def _greeting(client: Client) -> str:
    return f"Intake of {client.name} (client {client.id})."


def _when(moment: datetime) -> str:
    """A stored moment (UTC) in the local time of this computer, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def run(keeper: AnswerKeeper, begun: Begun, opts: IntakeOptions, asker: Asker) -> int:
    """Ask until the review is accepted, each change stored; then score and store the session."""
    quiz = Quiz(begun.defs, asker, begun.start, on_change=keeper.keep)  # stored before the echo
    try:
        with taking.hang_up_is_ctrl_c():
            answers = quiz.run(begun.notes)
    except QuizStopped as stop:
        return stopped(keeper, stop, opts)
    return complete(keeper, answers, opts)


class AnswerKeeper:
    """Stores every change as it happens, each in a transaction of its own, committed at once.

    It knows what the database holds (`stored`), so each write is the difference from there:
    after a failed write (the database busy, the server gone) nothing of that write is
    counted as stored, and the next change writes everything still missing. The person is
    told once when writes start failing and once when they work again; the quiz goes on.
    """

    def __init__(self, store: Store, begun: Begun, asker: Asker) -> None:
        self.store = store
        self.session_id = begun.session_id
        self.client_id = begun.client_id
        self.subject = begun.subject
        self.defs = begun.defs
        self.stored = dict(begun.stored)
        self.asker = asker
        self.failing = False

    def keep(self, answers: dict[str, Any]) -> None:
        """The quiz's on_change: store the answers now; say so if that fails (or works again)."""
        why = self.write(answers)
        if why is not None and not self.failing:
            self.failing = True
            self.asker.say(
                f"The answers cannot be stored right now ({why}). Carry on: every answer not "
                "yet stored is written with the next one that can be."
            )
        elif why is None and self.failing:
            self.failing = False
            self.asker.say(f"Stored again: every answer so far is in session {self.session_id}.")

    def write(self, answers: dict[str, Any], report_json: str | None = None) -> str | None:
        """Write what the database lacks of `answers` (and the result); None when done, or why not.

        One transaction: the session (started here with its first answer), the answers and,
        given `report_json`, the scored result are stored together or not at all.
        """
        if answers == self.stored and report_json is None:
            return None
        actor = self.store.actor
        try:
            with self.store.transaction() as db:
                session_id = self.session_id
                if session_id is None:
                    client = sessions.get_client(db, self.client_id, archived_ok=False)
                    session_id = sessions.start(db, actor, client, self.defs).id
                sessions.record_answers(db, actor, session_id, self.subject, self.stored, answers)
                if report_json is not None:
                    session = sessions.get_session(db, session_id)
                    sessions.finish(db, actor, session, self.subject, report_json)
        except ClinicError as exc:
            return str(exc)
        self.session_id, self.stored = session_id, dict(answers)
        return None

    def missing(self, answers: dict[str, Any]) -> int:
        """How many of `answers` (and answers taken back) the database does not hold yet."""
        differ = {q for q, v in answers.items() if q not in self.stored or self.stored[q] != v}
        return len(differ | (self.stored.keys() - answers.keys()))


def stopped(keeper: AnswerKeeper, stop: QuizStopped, opts: IntakeOptions) -> int:
    """Store what a stop cut short, and say in one line what is stored and how to go on."""
    why = keeper.write(stop.answers)  # an answer whose write Ctrl-C interrupted, say
    where = f"session {keeper.session_id}"
    command = f"`{resume_command(opts)}`"
    if keeper.session_id is None:
        kept = (
            f"The answers could not be stored ({why}), so nothing of this intake is kept."
            if why is not None
            else "Nothing was answered, so nothing was stored."
        )
    elif why is not None:
        kept = (
            f"{_count(keeper.missing(stop.answers))} could not be stored ({why}); the rest "
            f"are in {where}: {command} continues and asks the missing ones again."
        )
    else:
        kept = f"The answers so far are stored in {where}: {command} continues."
    if stop.reason == "interrupted":
        taking.err(f"\nStopped. {kept}")
        return EXIT_INTERRUPTED
    client = keeper.client_id
    plain = (
        ""
        if opts.plain
        else f"without a terminal use `kinecheck clinic intake {client} --plain`, or "
    )
    taking.err(
        f"error: the input ended before the intake was finished. {kept[:-1]}; {plain}to store "
        f"a complete answers file use `kinecheck clinic intake {client} --answers FILE --plain`."
    )
    return EXIT_BAD_INPUT


def complete(keeper: AnswerKeeper, answers: dict[str, Any], opts: IntakeOptions) -> int:
    """Score the answers and store them with the result in one transaction; show the report.

    When that transaction fails, nothing of it is kept: the session stays in progress with
    the answers stored so far, and `--resume` scores it.
    """
    from kinecheck.render import renderer
    from kinecheck.scoring.answers import AnswerValidator

    defs = keeper.defs
    report = api.assess(defs, AnswerValidator(defs).validate(answers).answers)
    why = keeper.write(answers, renderer("json")(report))
    if why is not None:
        held = _still_held(keeper, answers, opts)
        taking.err(f"error: the scored session could not be stored ({why}). {held}")
        return EXIT_BAD_INPUT
    assert keeper.session_id is not None  # stored: the session exists
    taking.show_report(report, plain=opts.plain)
    print(
        f"\nSession {keeper.session_id} of client {keeper.client_id} is stored. "
        f"`{report_command(keeper.session_id, opts)}` prints it to hand over."
    )
    return EXIT_OK


def _still_held(keeper: AnswerKeeper, answers: dict[str, Any], opts: IntakeOptions) -> str:
    """What the database keeps of a session whose result could not be stored."""
    if keeper.session_id is None:
        return "Nothing of this intake could be stored; run it again when the database is back."
    missing = keeper.missing(answers)
    held = "every answer stored" if not missing else f"all but {_count(missing)} stored"
    return (
        f"Session {keeper.session_id} stays in progress with {held}: "
        f"`{resume_command(opts)}` continues and scores it."
    )


def _count(answers: int) -> str:
    return f"{answers} answer{'' if answers == 1 else 's'}"


def _db_part(opts: IntakeOptions) -> list[str]:
    """`--db URL` when the run was given one (a later command must open the same database)."""
    return ["--db", shlex.quote(opts.db)] if opts.db else []


def resume_command(opts: IntakeOptions) -> str:
    """The command that continues this client's unfinished intake."""
    parts = ["kinecheck", "clinic", "intake", str(opts.client)]
    if opts.questionnaire and opts.questionnaire != default_questionnaire():
        parts.append(shlex.quote(opts.questionnaire))
    if opts.plain:
        parts.append("--plain")
    return " ".join([*parts, *_db_part(opts), "--resume"])


def report_command(session_id: int, opts: IntakeOptions) -> str:
    """The command that prints a stored session's report."""
    return " ".join(["kinecheck", "clinic", "report", str(session_id), *_db_part(opts)])

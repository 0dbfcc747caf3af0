"""`kinecheck clinic intake`: the quiz for a client, each answer stored as it is given.

Everything runs the real command in a separate process (over a pipe with --plain, or in a
pseudo-terminal with pexpect), on an SQLite file and on a PostgreSQL database (`db_url`).
Clients are put in the database directly, so these tests stand on the foundation alone.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pexpect
import pytest
from sqlalchemy import func, select, text

from kinecheck.clinic import audit, sessions
from kinecheck.clinic.store import Store, open_store
from kinecheck.clinic.tables import COMPLETED, IN_PROGRESS, Answer, Client, Result, Session, now
from kinecheck.quiz.loop import Quiz
from kinecheck.quiz.plain import PlainAsker
from kinecheck.quiz.prompting import TerminalAsker
from test_prompting import keys_for
from test_quiz import BASE
from test_take_matches_assess import DEFS, asked_in_order, assessed, plain_line

KINECHECK = str(Path(sys.executable).parent / "kinecheck")
ORDER = asked_in_order(BASE)
# Words of BASE's answers as the quiz echoes them: none may ever reach standard error.
ANSWER_WORDS = ("41 years", "My left knee", "Going up or down stairs", "Running", "9 hours")


# -- the database, as the tests see it ----------------------------------------------------------


@contextmanager
def opened(url: str) -> Iterator[Store]:
    store = open_store(url, "test")
    try:
        yield store
    finally:
        store.close()


def add_client(url: str, name: str, *, archived: bool = False) -> int:
    """A client, added as `client add` would (with its audit entry); the client's number."""
    with opened(url) as store, store.transaction() as db:
        client = Client(
            name=name, archived=archived, created_at=now(), subject=secrets.token_hex(16)
        )
        db.add(client)
        db.flush()
        audit.record(db, store.actor, "client.add", subject=client.subject)
        return client.id


def sessions_of(url: str, client_id: int) -> list[tuple[int, str]]:
    """The client's sessions as (id, status), oldest first."""
    with opened(url) as store, store.transaction() as db:
        rows = db.execute(
            select(Session.id, Session.status)
            .where(Session.client_id == client_id)
            .order_by(Session.id)
        )
        return [(row.id, row.status) for row in rows]


def stored_answers(url: str, session_id: int) -> dict[str, Any]:
    with opened(url) as store, store.transaction() as db:
        return sessions.answers_of(db, session_id)


def answer_rows(url: str, session_id: int) -> int:
    with opened(url) as store, store.transaction() as db:
        count = db.execute(
            select(func.count()).select_from(Answer).where(Answer.session_id == session_id)
        ).scalar()
        return int(count or 0)


def stored_report(url: str, session_id: int) -> str | None:
    with opened(url) as store, store.transaction() as db:
        result = db.get(Result, session_id)
        return None if result is None else result.report


def audit_intact(url: str) -> bool:
    with opened(url) as store, store.transaction() as db:
        return audit.verify(db).intact


def execute(url: str, *statements: str) -> None:
    """Run SQL of the test's own (triggers that make the database refuse a write)."""
    with opened(url) as store, store.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


# -- running the command ------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for the commands a test runs (`clean_env`)."""
    return clean_env(tmp_path)


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No KINECHECK_DB or plain-mode switches; a data folder and working folder of the test's."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "ACCESSIBLE", "KINECHECK_PLAIN", "KINECHECK_DB", "COLUMNS")
    }
    work = tmp_path / "work"
    work.mkdir()
    return {
        **clean,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "KINECHECK_DATA_DIR": str(tmp_path / "data"),
        "KINECHECK_PATH": "",
        "PWD": str(work),
    }


def intake_args(url: str, client: int | str, *args: str) -> list[str]:
    return ["clinic", "intake", str(client), *args, "--db", url]


def run(
    env: dict[str, str], url: str, client: int | str, *args: str, typed: str = ""
) -> subprocess.CompletedProcess[str]:
    """`kinecheck clinic intake CLIENT ARGS --db URL` with `typed` as its standard input."""
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", *intake_args(url, client, *args)],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        cwd=env["PWD"],
        timeout=60,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def typed_lines(answers: dict[str, Any], questions: list[str] | None = None) -> str:
    """What a person types in --plain mode to answer `questions` (default: all that are asked)."""
    order = asked_in_order(answers) if questions is None else questions
    return "".join(plain_line(qid, answers[qid]) + "\n" for qid in order)


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path


def spawn(env: dict[str, str], url: str, client: int, *args: str) -> pexpect.spawn:
    """The real command in a pseudo-terminal."""
    child = pexpect.spawn(
        KINECHECK,
        intake_args(url, client, *args),
        env=env,
        cwd=env["PWD"],
        encoding="utf-8",
        dimensions=(50, 250),
        timeout=20,
    )
    child.delaybeforesend = None
    child.delayafterclose = 0
    return child


def plain_answer(child: pexpect.spawn, qid: str, value: Any, *, then: str | None = None) -> str:
    """Wait for the question (plain mode), type the answer, wait for its echo.

    `then`: a pattern said after the answer is kept and before it is echoed; what it matched.
    """
    child.expect_exact(DEFS.questions[qid].prompt)
    child.send(plain_line(qid, value) + "\r")
    said = ""
    if then is not None:
        child.expect(then)
        said = str(child.after)
    words = Quiz(DEFS, PlainAsker()).prompt_for(qid).answer_words(value)
    child.expect_exact(f"Answer: {words}.")
    return said


def ended(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -child.signalstatus)


# -- a whole intake -------------------------------------------------------------------------------


def test_an_answers_file_makes_a_completed_session_scored_like_assess(
    db_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    client = add_client(db_url, "Ana Silva")
    done = run(
        env, db_url, client, "--plain", "--answers", str(write_json(tmp_path / "a.json", BASE))
    )
    assert done.returncode == 0, done.stderr
    assert f"{len(BASE)} answers were filled in from" in done.stdout
    assert "What your answers suggest" in done.stdout  # the report, on screen
    assert (
        f"Session 1 of client {client} is stored. `kinecheck clinic report 1 --db {db_url}` "
        "prints it to hand over." in done.stdout
    )
    assert "Save this report" not in done.stdout  # `clinic report` does that
    assert sessions_of(db_url, client) == [(1, COMPLETED)]
    assert stored_answers(db_url, 1) == BASE
    assert answer_rows(db_url, 1) == len(BASE)
    assert stored_report(db_url, 1) == assessed(BASE)
    assert audit_intact(db_url)


def test_two_intakes_for_two_clients_at_once_both_land(
    db_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    other = {**BASE, "age": 63, "knee_side": "both", "sports": ["none"]}
    other.pop("running_cycling_hours")
    ana, bo = add_client(db_url, "Ana Silva"), add_client(db_url, "Bo Li")
    runs = []
    for client, answers in ((ana, BASE), (bo, other)):  # both started before either ends
        typed = tmp_path / f"typed-{client}.txt"
        typed.write_text(typed_lines(answers))
        with typed.open() as stdin:
            runs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "kinecheck", *intake_args(db_url, client, "--plain")],
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                    cwd=env["PWD"],
                )
            )
    outputs = [process.communicate(timeout=60) for process in runs]
    for process, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "cannot be stored" not in stdout  # neither waited for the other in vain
    greeting = "Intake of Bo Li (client 2). Each answer is stored as soon as it is given."
    assert greeting in outputs[1][0]
    for client, answers in ((ana, BASE), (bo, other)):
        [(session, status)] = sessions_of(db_url, client)
        assert status == COMPLETED
        assert stored_answers(db_url, session) == answers
        assert answer_rows(db_url, session) == len(answers)
        assert stored_report(db_url, session) == assessed(answers)
    assert audit_intact(db_url)


# -- stopping and going on ------------------------------------------------------------------------


def test_end_of_input_leaves_the_answers_stored_and_resume_finishes(
    db_url: str, env: dict[str, str]
) -> None:
    client = add_client(db_url, "Ana Silva")
    first = run(env, db_url, client, "--plain", typed=typed_lines(BASE, ORDER[:5]))
    assert first.returncode == 2
    assert (
        "error: the input ended before the intake was finished. The answers so far are stored "
        f"in session 1: `kinecheck clinic intake {client} --plain --db {db_url} --resume` "
        "continues;" in first.stderr
    )
    assert sessions_of(db_url, client) == [(1, IN_PROGRESS)]
    assert stored_answers(db_url, 1) == {q: BASE[q] for q in ORDER[:5]}

    again = run(env, db_url, client, "--plain")  # a new intake, stopped before its first answer
    assert (
        f"Client {client} has an unfinished intake (session 1, started " in again.stdout
        and f"`kinecheck clinic intake {client} --plain --db {db_url} --resume` continues it. "
        "This is a new one."
        in again.stdout
    )
    assert again.returncode == 2
    assert "Nothing was answered, so nothing was stored" in again.stderr
    assert sessions_of(db_url, client) == [(1, IN_PROGRESS)]  # no empty session in its way

    rest = run(env, db_url, client, "--plain", "--resume", typed=typed_lines(BASE, ORDER[5:]))
    assert rest.returncode == 0, rest.stderr
    assert "Welcome back: 5 stored answers are kept." in rest.stdout
    asked = re.findall(r"Question (\d+) of [^.]*\. ([^?]*\?)", rest.stdout)
    assert asked[0] == ("6", DEFS.questions[ORDER[5]].prompt)  # the next question
    assert len(asked) == len(ORDER) - 5  # and nothing asked twice
    assert sessions_of(db_url, client) == [(1, COMPLETED)]
    assert stored_answers(db_url, 1) == BASE
    assert answer_rows(db_url, 1) == len(BASE)
    assert stored_report(db_url, 1) == assessed(BASE)
    assert audit_intact(db_url)


def test_going_back_takes_an_answer_back_and_every_row_is_kept(
    sqlite_url: str, env: dict[str, str]
) -> None:
    changed = {**BASE, "knee_side": "right"}
    typed = typed_lines(BASE, ORDER[:2]) + "back\n" + typed_lines(changed, ORDER[1:])
    client = add_client(sqlite_url, "Ana Silva")
    done = run(env, sqlite_url, client, "--plain", typed=typed)
    assert done.returncode == 0, done.stderr
    assert stored_answers(sqlite_url, 1) == changed
    assert answer_rows(sqlite_url, 1) == len(BASE) + 2  # left, taken back, then right
    assert stored_report(sqlite_url, 1) == assessed(changed)
    with opened(sqlite_url) as store, store.transaction() as db:
        rows = db.execute(
            select(Answer.value, Answer.removed)
            .where(Answer.session_id == 1, Answer.question == "knee_side")
            .order_by(Answer.id)
        ).all()
    assert [tuple(row) for row in rows] == [('"left"', False), (None, True), ('"right"', False)]


def test_resume_with_nothing_to_resume_starts_a_new_intake(
    sqlite_url: str, env: dict[str, str]
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    done = run(env, sqlite_url, client, "--plain", "--resume", typed=typed_lines(BASE))
    assert done.returncode == 0, done.stderr
    assert (
        f"No unfinished intake of knee-pain was found for client {client}, so this starts a "
        "new one." in done.stdout
    )
    assert sessions_of(sqlite_url, client) == [(1, COMPLETED)]


def test_ctrl_c_in_the_terminal_says_where_the_answers_are(
    sqlite_url: str, env: dict[str, str]
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    child = spawn(env, sqlite_url, client)
    for qid in ORDER[:2]:
        child.expect_exact(DEFS.questions[qid].prompt)
        child.send(keys_for(Quiz(DEFS, TerminalAsker()), qid, BASE[qid]))
    child.expect_exact(DEFS.questions[ORDER[2]].prompt)
    child.sendcontrol("c")
    child.expect_exact("Stopped. The answers so far are stored in session 1: ")
    child.expect_exact(f"`kinecheck clinic intake {client} --db {sqlite_url} --resume` continues.")
    assert ended(child) == 130
    assert stored_answers(sqlite_url, 1) == {q: BASE[q] for q in ORDER[:2]}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_polite_kill_or_a_closed_terminal_stops_like_ctrl_c(
    sqlite_url: str, env: dict[str, str], sig: signal.Signals
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    child = spawn(env, sqlite_url, client, "--plain")
    for qid in ORDER[:3]:
        plain_answer(child, qid, BASE[qid])
    child.kill(sig)
    assert ended(child) == 130
    assert sessions_of(sqlite_url, client) == [(1, IN_PROGRESS)]
    assert stored_answers(sqlite_url, 1) == {q: BASE[q] for q in ORDER[:3]}


def test_resume_asks_with_the_definitions_the_session_was_started_with(
    sqlite_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parent.parent
    own = tmp_path / "definitions"
    for folder, name in (
        ("questionnaires", "knee-pain.yaml"),
        ("rules", "knee-pain.yaml"),
        ("rules", "exercises.yaml"),
    ):
        (own / folder).mkdir(parents=True, exist_ok=True)
        (own / folder / name).write_bytes((root / folder / name).read_bytes())
    env = {**env, "KINECHECK_PATH": str(own)}
    client = add_client(sqlite_url, "Ana Silva")
    assert (
        run(env, sqlite_url, client, "--plain", typed=typed_lines(BASE, ORDER[:2])).returncode == 2
    )
    questionnaire = own / "questionnaires" / "knee-pain.yaml"
    old_prompt = DEFS.questions[ORDER[2]].prompt
    questionnaire.write_text(questionnaire.read_text().replace(old_prompt, "A reworded question?"))
    rest = run(env, sqlite_url, client, "--plain", "--resume", typed=typed_lines(BASE, ORDER[2:]))
    assert rest.returncode == 0, rest.stderr
    assert old_prompt in rest.stdout and "A reworded question?" not in rest.stdout
    assert stored_report(sqlite_url, 1) == assessed(BASE)


# -- refused before anything is stored ------------------------------------------------------------


def test_an_unknown_client_is_refused(sqlite_url: str, env: dict[str, str]) -> None:
    done = run(env, sqlite_url, 7, "--plain", typed=typed_lines(BASE))
    assert done.returncode == 2
    assert done.stderr.startswith("error: there is no client 7")
    assert sessions_of(sqlite_url, 7) == []


def test_an_archived_client_is_refused(sqlite_url: str, env: dict[str, str]) -> None:
    client = add_client(sqlite_url, "Ana Silva", archived=True)
    done = run(env, sqlite_url, client, "--plain", typed=typed_lines(BASE))
    assert done.returncode == 2
    assert f"error: client {client} is archived" in done.stderr
    assert sessions_of(sqlite_url, client) == []


def test_resume_and_answers_together_are_refused(
    sqlite_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    answers = write_json(tmp_path / "a.json", BASE)
    done = run(env, sqlite_url, client, "--plain", "--resume", "--answers", str(answers))
    assert done.returncode == 2
    assert "error: use --resume or --answers, not both" in done.stderr
    assert sessions_of(sqlite_url, client) == []


def test_without_a_terminal_it_points_at_plain(sqlite_url: str, env: dict[str, str]) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    done = run(env, sqlite_url, client)  # standard input and output are pipes
    assert done.returncode == 2
    assert done.stderr == (
        "error: `kinecheck clinic intake` needs a terminal; use `kinecheck clinic intake "
        f"{client} --plain` to answer line by line over a pipe, or `kinecheck clinic intake "
        f"{client} --answers FILE --plain` to store a complete answers file.\n"
    )
    assert sessions_of(sqlite_url, client) == []


def test_a_wrong_answer_in_the_file_is_listed_and_nothing_is_stored(
    sqlite_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    wrong = write_json(tmp_path / "a.json", {**BASE, "age": 987654, "knee_side": "Zq7secret"})
    done = run(env, sqlite_url, client, "--plain", "--answers", str(wrong))
    assert done.returncode == 2
    assert "error: 2 problems with the answers in" in done.stderr
    assert "age:" in done.stderr and "knee_side:" in done.stderr
    assert "987654" not in done.stderr and "Zq7secret" not in done.stderr
    assert sessions_of(sqlite_url, client) == []


def test_help_teaches_with_an_example(env: dict[str, str], sqlite_url: str) -> None:
    done = run(env, sqlite_url, "--help")
    assert done.returncode == 0
    words = " ".join(done.stdout.split())
    assert "storing each answer the moment it is given" in words
    assert "Example: kinecheck clinic intake 12" in words
    assert "--resume" in words and "--plain" in words


# -- a database that fails on the way -------------------------------------------------------------

REFUSE_SQLITE = (
    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
)
REFUSE_PG = (
    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'refused'; END $$",
    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()",
)


# The warning, as the plain front end folds it to the terminal's width.
WARNING = (
    r"The answers cannot be stored right now \(.*?"
    r"written\s+with\s+the\s+next\s+one\s+that\s+can\s+be\."
)


def refuse(url: str, table: str) -> None:
    """From now on the database refuses every new row of `table`."""
    if url.startswith("sqlite"):
        execute(url, REFUSE_SQLITE.format(table=table))
    else:
        execute(url, *(statement.format(table=table) for statement in REFUSE_PG))


def accept(url: str, table: str) -> None:
    where = "" if url.startswith("sqlite") else f" ON {table}"
    execute(url, f"DROP TRIGGER refuse_{table}{where}")


def test_failed_writes_are_said_once_and_caught_up_without_showing_answers(
    db_url: str, env: dict[str, str]
) -> None:
    client = add_client(db_url, "Ana Silva")
    child = spawn(env, db_url, client, "--plain")
    child.logfile_read = seen = io.StringIO()
    plain_answer(child, ORDER[0], BASE[ORDER[0]])
    refuse(db_url, "answers")
    warning = plain_answer(child, ORDER[1], BASE[ORDER[1]], then=WARNING)
    assert not any(words in warning for words in ANSWER_WORDS)
    plain_answer(child, ORDER[2], BASE[ORDER[2]])
    plain_answer(child, ORDER[3], BASE[ORDER[3]])
    assert stored_answers(db_url, 1) == {ORDER[0]: BASE[ORDER[0]]}
    accept(db_url, "answers")
    plain_answer(child, ORDER[4], BASE[ORDER[4]], then=r"Stored again: every answer so far is in")
    assert stored_answers(db_url, 1) == {q: BASE[q] for q in ORDER[:5]}
    child.expect_exact(DEFS.questions[ORDER[5]].prompt)
    child.sendcontrol("c")
    child.expect_exact("Stopped. The answers so far are stored in session 1")
    assert ended(child) == 130
    assert seen.getvalue().count("cannot be stored right now") == 1  # said once
    assert stored_answers(db_url, 1) == {q: BASE[q] for q in ORDER[:5]}


def test_a_result_that_cannot_be_stored_leaves_every_answer_for_resume(
    db_url: str, env: dict[str, str]
) -> None:
    client = add_client(db_url, "Ana Silva")
    refuse(db_url, "results")
    done = run(env, db_url, client, "--plain", typed=typed_lines(BASE))
    assert done.returncode == 2
    assert "error: the scored session could not be stored (" in done.stderr
    assert (
        f"Session 1 stays in progress with every answer stored: `kinecheck clinic intake "
        f"{client} --plain --db {db_url} --resume` continues and scores it." in done.stderr
    )
    assert not any(words in done.stderr for words in ANSWER_WORDS)
    assert sessions_of(db_url, client) == [(1, IN_PROGRESS)]
    assert stored_answers(db_url, 1) == BASE
    accept(db_url, "results")
    rest = run(env, db_url, client, "--plain", "--resume")
    assert rest.returncode == 0, rest.stderr
    assert sessions_of(db_url, client) == [(1, COMPLETED)]
    assert stored_report(db_url, 1) == assessed(BASE)
    assert audit_intact(db_url)


def test_a_locked_database_is_said_without_the_answers(
    sqlite_url: str, env: dict[str, str]
) -> None:
    client = add_client(sqlite_url, "Ana Silva")
    env = {**env, "KINECHECK_DB_BUSY_TIMEOUT_MS": "200"}
    child = spawn(env, sqlite_url, client, "--plain")
    plain_answer(child, ORDER[0], BASE[ORDER[0]])
    lock = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another writer that does not finish
    try:
        warning = plain_answer(child, ORDER[1], BASE[ORDER[1]], then=WARNING)
        assert "the database is busy" in warning
        child.expect_exact(DEFS.questions[ORDER[2]].prompt)
        child.sendcontrol("c")
        child.expect(r"Stopped\. 1 answer could not be stored .*?the\s+missing\s+ones\s+again\.")
        stop = child.after
        assert ended(child) == 130
    finally:
        lock.rollback()
        lock.close()
    assert not any(words in warning + stop for words in ANSWER_WORDS)
    assert stored_answers(sqlite_url, 1) == {ORDER[0]: BASE[ORDER[0]]}

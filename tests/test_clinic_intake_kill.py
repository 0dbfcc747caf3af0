"""Killed right after an answer is echoed, `clinic intake` has that answer in the database (#11).

A real `kinecheck clinic intake` runs in a pseudo-terminal (pexpect). As soon as the echo of
answer k is on screen the process gets SIGKILL, which it cannot catch, so nothing can be
stored on the way out. Then the database must hold every answer echoed so far (the quiz
stores each one before its echo, in a transaction committed at once), and `--resume` must
welcome them back and ask the next question, which it answers, on to the next kill. After
the last answer, `--resume` goes straight to the review and ends with a completed session
scored like `kinecheck assess`.

The whole path with the three self-tests (25 answers, one a skipped number) is killed at a
spread of positions: on SQLite with the terminal front end, and on PostgreSQL with --plain.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pexpect
import pytest

from test_clinic_intake import (
    add_client,
    answer_rows,
    audit_intact,
    clean_env,
    ended,
    sessions_of,
    spawn,
    stored_answers,
    stored_report,
)
from test_kill import answer
from test_take_e2e import WITH_TESTS
from test_take_matches_assess import asked_in_order, assessed

ORDER = asked_in_order(WITH_TESTS)
ENTER = "\r"
SQLITE_POSITIONS = [*range(0, len(ORDER) - 1, 3), len(ORDER) - 1]  # 0, 3, ..., 21, 24
PG_POSITIONS = [1, len(ORDER) // 2, len(ORDER) - 1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


def kill(child: pexpect.spawn) -> None:
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL


def killed_at(
    url: str, env: dict[str, str], positions: list[int], *, plain: bool
) -> tuple[int, int]:
    """Answer WITH_TESTS, killed after each position's echo, resumed after each kill.

    Returns the client and the session: one session, whatever the number of kills.
    """
    client = add_client(url, "Ana Silva")
    front = ["--plain"] if plain else []
    given = 0
    for k in positions:
        if given == 0:
            child = spawn(env, url, client, *front)
        else:
            child = spawn(env, url, client, *front, "--resume")
            child.expect_exact(f"Welcome back: {given} stored answers are kept.")
        for qid in ORDER[given : k + 1]:
            answer(child, qid, WITH_TESTS[qid], plain=plain)
        kill(child)
        given = k + 1
        [(session, status)] = sessions_of(url, client)
        assert status == "in_progress"
        expected = {qid: WITH_TESTS[qid] for qid in ORDER[:given]}
        assert stored_answers(url, session) == expected, f"killed after {ORDER[k]}"
    return client, session


def finish(url: str, env: dict[str, str], client: int, session: int, *, plain: bool) -> None:
    """Resume after the last answer: the review, then a stored, scored session."""
    child = spawn(env, url, client, *(["--plain"] if plain else []), "--resume")
    child.expect_exact(f"Welcome back: {len(ORDER)} stored answers are kept.")
    child.expect_exact("Your answers:" if plain else "Are these right?")
    child.send(ENTER)
    child.expect_exact(f"Session {session} of client {client} is stored.")
    assert ended(child) == 0
    assert sessions_of(url, client) == [(session, "completed")]
    assert stored_answers(url, session) == WITH_TESTS
    assert answer_rows(url, session) == len(ORDER)  # each answer once: none lost, none twice
    assert stored_report(url, session) == assessed(WITH_TESTS)
    assert audit_intact(url)


def test_the_positions_spread_over_the_whole_quiz() -> None:
    assert len(SQLITE_POSITIONS) >= 8 and SQLITE_POSITIONS[-1] == len(ORDER) - 1


def test_killed_in_the_terminal_every_echoed_answer_is_stored_on_sqlite(
    sqlite_url: str, env: dict[str, str]
) -> None:
    client, session = killed_at(sqlite_url, env, SQLITE_POSITIONS, plain=False)
    finish(sqlite_url, env, client, session, plain=False)


def test_killed_in_plain_mode_every_echoed_answer_is_stored_on_postgresql(
    pg_url: str, env: dict[str, str]
) -> None:
    client, session = killed_at(pg_url, env, PG_POSITIONS, plain=True)
    finish(pg_url, env, client, session, plain=True)

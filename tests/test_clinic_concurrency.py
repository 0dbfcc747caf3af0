"""Intakes at the same moment: every answer of every process is kept, in one audit chain.

Four processes start together (a barrier) on a new database, each adding its own client,
starting a session, storing ten answers one transaction each and finishing. On PostgreSQL they
really write at once, so this guards the locks: the audit head (one chain, consecutive ids)
and the first storing of a definition file that all of them use.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

from kinecheck import api
from kinecheck.clinic import audit, clients, sessions
from kinecheck.clinic.store import open_store
from kinecheck.clinic.tables import COMPLETED, Answer, AuditEntry, Session

PROCESSES = 4
ANSWERS = 10
QUESTIONNAIRE = "knee-pain"


def answer_set() -> dict[str, Any]:
    """A whole, valid set of answers (the desk worker of the examples)."""
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parent.parent / "examples" / "desk-worker.yaml"
    defs = api.load(QUESTIONNAIRE)
    return dict(api.check_answers(defs, yaml.safe_load(path.read_text())).answers)


def intake(url: str, number: int, barrier: Any) -> None:
    """One intake as `clinic intake` stores it: the session starts with the first answer."""
    from kinecheck.render import renderer

    defs = api.load(QUESTIONNAIRE)
    full = answer_set()
    given = list(full.items())[:ANSWERS]
    report = renderer("json")(api.assess(defs, full))
    store = open_store(url, f"clinician {number}")
    try:
        barrier.wait(timeout=60)  # all at once: the first entries of the audit log
        with store.transaction() as db:
            client = clients.add(db, store.actor, clients.new_client(f"Client {number}")).client
        barrier.wait(timeout=60)  # all at once again: the first sessions store the same files
        session_id: int | None = None
        so_far: dict[str, Any] = {}
        for question, value in given:
            after = {**so_far, question: value}
            with store.transaction() as db:
                session = (
                    sessions.start(db, store.actor, client, defs)
                    if session_id is None
                    else sessions.get_session(db, session_id)
                )
                sessions.record_answers(db, store.actor, session.id, client.subject, so_far, after)
                session_id = session.id
            so_far = after
        assert session_id is not None
        with store.transaction() as db:
            session = sessions.get_session(db, session_id)
            sessions.finish(db, store.actor, session, client.subject, report)
    finally:
        store.close()


def test_concurrent_intakes_lose_nothing(db_url: str) -> None:
    open_store(db_url).close()  # the schema first, as the clinic's first command would
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=intake, args=(db_url, number, barrier))
        for number in range(1, PROCESSES + 1)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=100)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    expected = dict(list(answer_set().items())[:ANSWERS])
    store = open_store(db_url)
    try:
        with store.transaction() as db:
            stored = db.query(Session).order_by(Session.id).all()
            assert len(stored) == PROCESSES
            assert {s.status for s in stored} == {COMPLETED}
            assert {s.clinician for s in stored} == {f"clinician {n + 1}" for n in range(4)}
            for session in stored:
                assert sessions.answers_of(db, session.id) == expected
                assert sessions.result_of(db, session.id) is not None
            assert db.query(Answer).count() == PROCESSES * ANSWERS
        with store.transaction() as db:  # verify reads its own snapshot: first in its transaction
            verdict = audit.verify(db)
    finally:
        store.close()
    assert verdict.intact, verdict.problems
    # per intake: client.add, session.start, one entry per answer, session.complete
    assert verdict.entries == PROCESSES * (ANSWERS + 3)


def test_the_first_two_audit_entries_at_once_make_one_chain(db_url: str) -> None:
    """B writes while A's very first entry is not committed yet: B waits, then follows A."""
    store = open_store(db_url)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with store.transaction() as db:
                audit.record(db, "b", "client.list")
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    try:
        with store.transaction() as db:
            audit.record(db, "a", "client.list")
            db.flush()
            waiting = threading.Thread(target=second)
            waiting.start()
            time.sleep(0.5)  # B reaches its wait (if it is slower, it simply follows A)
        waiting.join(timeout=60)
        assert failures == []
        with store.transaction() as db:
            verdict = audit.verify(db)
            actors = [e.actor for e in db.query(AuditEntry).order_by(AuditEntry.id)]
    finally:
        store.close()
    assert verdict.intact, verdict.problems
    assert actors == ["a", "b"]

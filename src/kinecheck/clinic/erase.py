"""Erasing a client: every row of theirs, then the bytes those rows leave behind.

For a record made in error, or a person who asks to be forgotten in a personal database. In
one transaction the client's answers, results, notes, overrides, sessions, search words and
the client go, with the detail of every audit entry about them (an edit's old name, say).
The audit entries themselves stay, so the chain still verifies: each names only the random
`subject` token, which means nothing once the client is gone, and a `client.erase` tombstone
(no detail) records that the erasure happened, by whom and when.

Deleted rows leave bytes behind. SQLite overwrites them (`secure_delete`, set on every
connection), then `erase_client` empties the write-ahead log into the file
(`wal_checkpoint(TRUNCATE)`) and rebuilds the file without free pages (`VACUUM`), so nothing
of the client can be read from clinic.db, its -wal or its -shm. Copies made earlier (backups,
the `.bak` kept before a schema upgrade) are untouched: they must be replaced by the owner.

PostgreSQL cannot promise as much. `VACUUM` on the tables touched makes the space of the
deleted rows reusable, but until it is reused their bytes may remain in the table files; the
write-ahead log keeps them until its segments are recycled (and an archive of it, forever);
replicas, backups and `pg_dump` files hold their own copies; the server's logs hold what its
logging settings record. docs/clinic.md says what a clinic does about each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from kinecheck.clinic import audit
from kinecheck.clinic.sessions import get_client
from kinecheck.clinic.store import Store
from kinecheck.clinic.tables import (
    Answer,
    AuditDetail,
    AuditEntry,
    Client,
    ClientWord,
    Note,
    Override,
    Result,
    Session,
)

if TYPE_CHECKING:
    from sqlalchemy import CursorResult, Executable

# The tables an erasure deletes from, in an order the foreign keys allow.
ERASED_TABLES = (Answer, Result, Note, Override, Session, ClientWord, Client, AuditDetail)


@dataclass(frozen=True)
class ErasedSummary:
    """What an erasure removed, and whether the database's files were wiped afterwards."""

    client_id: int
    sessions: int
    answers: int
    results: int
    notes: int
    overrides: int
    audit_details: int  # the details of audit entries about the client
    tombstone: int  # the id of the `client.erase` audit entry
    backend: str  # "sqlite" or "postgresql"
    wiped: bool  # SQLite: log emptied and file rebuilt; PostgreSQL: VACUUM ran


def erase_client(
    store: Store, client_id: int, before_wipe: Callable[[], None] | None = None
) -> ErasedSummary:
    """Delete every row of the client in one transaction, then wipe what the rows left.

    `before_wipe` is called once the rows are gone: rebuilding a large SQLite file takes a
    while (and, for a moment, free disk space as large as the file), so a caller can say so.
    """
    with store.transaction() as db:
        client = get_client(db, client_id)
        subject = client.subject
        sessions = select(Session.id).where(Session.client_id == client_id).scalar_subquery()
        entries = select(AuditEntry.id).where(AuditEntry.subject == subject).scalar_subquery()

        def gone(statement: Executable) -> int:
            """Run a DELETE; how many rows it removed."""
            result = db.execute(statement, execution_options={"synchronize_session": False})
            return cast("CursorResult[Any]", result).rowcount

        answers = gone(delete(Answer).where(Answer.session_id.in_(sessions)))
        results = gone(delete(Result).where(Result.session_id.in_(sessions)))
        notes = gone(delete(Note).where(Note.session_id.in_(sessions)))
        overrides = gone(delete(Override).where(Override.session_id.in_(sessions)))
        session_count = gone(delete(Session).where(Session.client_id == client_id))
        gone(delete(ClientWord).where(ClientWord.client_id == client_id))
        gone(delete(Client).where(Client.id == client_id))
        details = gone(delete(AuditDetail).where(AuditDetail.entry_id.in_(entries)))
        db.expunge_all()
        tombstone = audit.record(db, store.actor, audit.ERASED, subject=subject)
    backend = store.engine.dialect.name
    if before_wipe is not None:
        before_wipe()
    wiped = _wipe_sqlite(store) if backend == "sqlite" else _vacuum_postgresql(store)
    return ErasedSummary(
        client_id=client_id,
        sessions=session_count,
        answers=answers,
        results=results,
        notes=notes,
        overrides=overrides,
        audit_details=details,
        tombstone=tombstone.id,
        backend=backend,
        wiped=wiped,
    )


def _wipe_sqlite(store: Store) -> bool:
    """Empty the write-ahead log into the file, rebuild the file, empty the log again.

    VACUUM writes the rebuilt file through the log, so the log is emptied after it as well.
    False when another program holds the database open and the log could not be emptied.
    """
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()  # outside any transaction: the connection autocommits
        complete = _checkpoint(cursor)
        cursor.execute("VACUUM")
        complete = _checkpoint(cursor) and complete
        cursor.close()
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return complete


def _checkpoint(cursor: Any) -> bool:
    """`PRAGMA wal_checkpoint(TRUNCATE)`: True when the whole log was written and emptied."""
    busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)


def _vacuum_postgresql(store: Store) -> bool:
    """VACUUM the tables touched (outside a transaction, as VACUUM must run).

    A role that does not own the tables gets a warning from the server and the tables are
    left to autovacuum; False only when the command failed outright.
    """
    names = ", ".join(table.__tablename__ for table in ERASED_TABLES)
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(f"VACUUM {names}")
    except SQLAlchemyError:
        return False
    return True

"""Intake sessions in the database: started, answered one answer at a time, scored.

Each answer is a row of its own, written in its own transaction the moment it is given
(`record_answers`), so a killed process loses at most the answer being typed. A session's
answers are its rows replayed in order: the last row of each question wins, and a `removed`
row takes an answer back. The definition files a session was asked with are stored once
each (by sha256) and never changed, so a session can be shown and compared years later.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.tables import (
    COMPLETED,
    ID_MAX,
    IN_PROGRESS,
    Answer,
    Client,
    DefinitionFile,
    Result,
    Session,
    insert_if_absent,
    now,
)

if TYPE_CHECKING:
    from kinecheck.definitions.base import DefinitionRef
    from kinecheck.definitions.compiled import Definitions


_ANSWERS = Answer.metadata.tables[Answer.__tablename__]  # for record_answers' Core statements
_SESSIONS = Session.metadata.tables[Session.__tablename__]
# Built once (see audit.py: building a statement costs more than running it)
_STATUS = select(_SESSIONS.c.status).where(_SESSIONS.c.id == bindparam("session_id"))
_INSERT_ANSWER = _ANSWERS.insert()


def get_client(db: DbSession, client_id: int, *, archived_ok: bool = True) -> Client:
    """The client with this id; ClinicError when there is none."""
    client = db.get(Client, client_id) if 0 < client_id <= ID_MAX else None
    if client is None:
        raise ClinicError(f"there is no client {client_id} (`kinecheck clinic client list`)")
    if client.archived and not archived_ok:
        raise ClinicError(f"client {client_id} is archived")
    return client


def get_session(db: DbSession, session_id: int) -> Session:
    """The session with this id; ClinicError when there is none."""
    found = db.get(Session, session_id) if 0 < session_id <= ID_MAX else None
    if found is None:
        raise ClinicError(
            f"there is no session {session_id} (`kinecheck clinic sessions CLIENT` lists them)"
        )
    return found


def _file_row(db: DbSession, kind: str, ref: DefinitionRef, raw: bytes) -> int:
    """The id of a stored definition file, storing it first if it is new.

    Several clinicians may start the first sessions of a new version at once: the file is
    stored by whichever comes first, and the others find it (`insert_if_absent`).
    """
    found = select(DefinitionFile.id).where(
        DefinitionFile.kind == kind, DefinitionFile.sha256 == ref.sha256
    )
    row_id = db.execute(found).scalar()
    if row_id is not None:
        return row_id
    values = {"kind": kind, "ref_id": ref.id, "version": ref.version, "sha256": ref.sha256}
    insert_if_absent(db, DefinitionFile, {**values, "text": raw.decode("utf-8")})
    return db.execute(found).scalar_one()


def store_definitions(db: DbSession, defs: Definitions) -> tuple[int, int, int | None]:
    """Store the questionnaire, rules and library files (once each); their row ids."""
    q = _file_row(db, "questionnaire", defs.questionnaire_ref, defs.sources.questionnaire)
    r = _file_row(db, "rules", defs.rules_ref, defs.sources.rules)
    lib = None
    if defs.library_ref is not None and defs.sources.library is not None:
        lib = _file_row(db, "exercises", defs.library_ref, defs.sources.library)
    return q, r, lib


def start(db: DbSession, actor: str, client: Client, defs: Definitions) -> Session:
    """A new session in progress for `client` with these definitions."""
    q, r, lib = store_definitions(db, defs)
    session = Session(
        client_id=client.id,
        questionnaire_file_id=q,
        rules_file_id=r,
        library_file_id=lib,
        status=IN_PROGRESS,
        started_at=now(),
        clinician=actor,
    )
    db.add(session)
    db.flush()
    audit.record(
        db,
        actor,
        "session.start",
        subject=client.subject,
        session_id=session.id,
        detail={
            "questionnaire": defs.questionnaire_ref.id,
            "version": defs.questionnaire_ref.version,
        },
    )
    return session


def in_progress(db: DbSession, client_id: int, questionnaire_id: str) -> Session | None:
    """The client's latest unfinished session of this questionnaire (any version), if any."""
    return db.execute(
        select(Session)
        .join(DefinitionFile, DefinitionFile.id == Session.questionnaire_file_id)
        .where(
            Session.client_id == client_id,
            Session.status == IN_PROGRESS,
            DefinitionFile.ref_id == questionnaire_id,
        )
        .order_by(Session.started_at.desc(), Session.id.desc())
        .limit(1)
    ).scalar()


def answers_of(db: DbSession, session_id: int) -> dict[str, Any]:
    """The session's answers now: each question's last row, in the order first given."""
    answers: dict[str, Any] = {}
    rows = db.execute(
        select(Answer.question, Answer.value, Answer.removed)
        .where(Answer.session_id == session_id)
        .order_by(Answer.id)
    )
    for question, value, removed in rows:
        if removed:
            answers.pop(question, None)
        else:
            answers[question] = json.loads(value) if value is not None else None
    return answers


def record_answers(
    db: DbSession,
    actor: str,
    session_id: int,
    subject: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> int:
    """Write a row for every answer that differs between `before` and `after`; how many.

    The audit log gets one entry per answer, naming the question only: never the answer.
    Rows go in as Core statements on the transaction's connection, like `audit.record`'s:
    this runs once for every answer of an intake, and the ORM's unit of work would cost
    about three times the CPU. The session is named by id and its status read with one
    statement, not loaded as an object: loading it cost as much as the rest (bench_clinic).
    """
    db.flush()  # a session just started is written before its answers
    connection = db.connection()
    status = connection.execute(_STATUS, {"session_id": session_id}).scalar()
    if status is None:
        raise ClinicError(f"there is no session {session_id}")
    if status != IN_PROGRESS:
        raise ClinicError(f"session {session_id} is completed; its answers are kept as they are")
    at = now()

    def keep(question: str, value: str | None, action: str) -> None:
        row = {"session_id": session_id, "question": question, "value": value, "given_at": at}
        connection.execute(_INSERT_ANSWER, {**row, "removed": action == "answer.removed"})
        audit.record(
            db, actor, action, subject=subject, session_id=session_id, detail={"question": question}
        )

    changed = 0
    for question, value in after.items():
        if question not in before or before[question] != value:
            keep(question, json.dumps(value, ensure_ascii=False), "answer")
            changed += 1
    for question in before.keys() - after.keys():
        keep(question, None, "answer.removed")
        changed += 1
    return changed


def finish(db: DbSession, actor: str, session: Session, subject: str, report_json: str) -> None:
    """Store the scored report and mark the session completed."""
    at = now()
    db.add(
        Result(
            session_id=session.id,
            rules_file_id=session.rules_file_id,
            report=report_json,
            scored_at=at,
        )
    )
    session.status = COMPLETED
    session.finished_at = at
    audit.record(db, actor, "session.complete", subject=subject, session_id=session.id)


def result_of(db: DbSession, session_id: int) -> Result | None:
    """The stored result of a completed session (None while in progress)."""
    return db.get(Result, session_id)


def definitions_of(db: DbSession, session: Session) -> Definitions:
    """The definitions the session was asked with, rebuilt from the stored files."""
    from kinecheck.definitions.compiled import SourceBytes
    from kinecheck.definitions.loading import definitions_from_sources

    def text(file_id: int | None) -> bytes | None:
        if file_id is None:
            return None
        row = db.get(DefinitionFile, file_id)
        return None if row is None else row.text.encode("utf-8")

    questionnaire, rules = text(session.questionnaire_file_id), text(session.rules_file_id)
    if questionnaire is None or rules is None:
        raise ClinicError(f"session {session.id}: its definition files are missing")
    sources = SourceBytes(questionnaire, rules, text(session.library_file_id))
    return definitions_from_sources(sources, f"session {session.id}")

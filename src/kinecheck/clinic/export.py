"""Everything held on one client, in one JSON document: the answer to an access request.

The document holds the client's details, every session with each answer as it was given
(taken-back answers included), the stored report, the clinician's notes and overrides, and
every audit entry about the client, so a person sees not only what is kept but who changed
or read it. Making it is a read of the whole record, audited as `client.export`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.auditlog import about
from kinecheck.clinic.sessions import get_client
from kinecheck.clinic.tables import (
    Answer,
    Client,
    DefinitionFile,
    Note,
    Override,
    Result,
    Session,
)

FORMAT = "kinecheck.clinic.export/1"  # the document's kind and version, its first field


def export_client(db: DbSession, actor: str, client_id: int) -> dict[str, Any]:
    """The whole record of `client_id` as plain JSON data; the export is audited."""
    client = get_client(db, client_id)
    sessions = [
        _session(db, session)
        for session in db.execute(
            select(Session)
            .where(Session.client_id == client.id)
            .order_by(Session.started_at, Session.id)
        ).scalars()
    ]
    entry = audit.record(
        db, actor, "client.export", subject=client.subject, detail={"sessions": len(sessions)}
    )
    return {
        "format": FORMAT,
        "exported_at": entry.at.isoformat(),
        "exported_by": actor,
        "client": _client(client),
        "sessions": sessions,
        "audit": [line.as_json() for line in about(db, client.subject)],
    }


def _client(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "born": client.born.isoformat() if client.born else None,
        "email": client.email,
        "phone": client.phone,
        "archived": client.archived,
        "added": client.created_at.isoformat(),
        "subject": client.subject,  # how the audit log names the client
    }


def _session(db: DbSession, session: Session) -> dict[str, Any]:
    result = db.get(Result, session.id)
    return {
        "id": session.id,
        "questionnaire": _definition(db, session.questionnaire_file_id),
        "rules": _definition(db, session.rules_file_id),
        "status": session.status,
        "started_at": session.started_at.isoformat(),
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        "clinician": session.clinician,
        "answers": [
            {
                "question": answer.question,
                "value": json.loads(answer.value) if answer.value is not None else None,
                "removed": answer.removed,
                "given_at": answer.given_at.isoformat(),
            }
            for answer in db.execute(
                select(Answer).where(Answer.session_id == session.id).order_by(Answer.id)
            ).scalars()
        ],
        "report": json.loads(result.report) if result is not None else None,
        "scored_at": result.scored_at.isoformat() if result is not None else None,
        "notes": [
            {"text": note.text, "clinician": note.clinician, "at": note.at.isoformat()}
            for note in db.execute(
                select(Note).where(Note.session_id == session.id).order_by(Note.id)
            ).scalars()
        ],
        "overrides": [
            {
                "finding": override.finding,
                "level": override.level,
                "reason": override.reason,
                "clinician": override.clinician,
                "at": override.at.isoformat(),
            }
            for override in db.execute(
                select(Override).where(Override.session_id == session.id).order_by(Override.id)
            ).scalars()
        ],
    }


def _definition(db: DbSession, file_id: int) -> dict[str, Any] | None:
    row = db.get(DefinitionFile, file_id)
    if row is None:
        return None
    return {"id": row.ref_id, "version": row.version, "sha256": row.sha256}

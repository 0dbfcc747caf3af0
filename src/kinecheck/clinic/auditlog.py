"""Reading the audit log for people: who did what to which record, and when.

`audit` writes and verifies the chain; this module reads it back, each entry with the client
it is about (while that client is still kept) and its detail without the salt that hides it
from guessing. Reading the log of a client is itself a read of their record, so `lines`
appends an `audit.read` entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.sessions import get_client
from kinecheck.clinic.tables import ID_MAX, AuditDetail, AuditEntry, Client

SALT = "salt"  # the key `audit.record` hides each detail's hash behind


@dataclass(frozen=True)
class Line:
    """One audit entry as people read it."""

    id: int
    at: datetime
    actor: str
    action: str
    client_id: int | None  # None for an entry about no client, or a client since erased
    subject: str | None
    session_id: int | None
    detail: dict[str, Any] | None
    detail_erased: bool  # the entry had a detail, erased with its client

    def as_json(self) -> dict[str, Any]:
        """The entry as `--format json` and exports print it."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "client": self.client_id,
            "subject": self.subject,
            "session": self.session_id,
            "detail": self.detail,
            "detail_erased": self.detail_erased,
        }


def detail_of(text: str | None) -> dict[str, Any] | None:
    """A stored detail as it was recorded (without its salt)."""
    if text is None:
        return None
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        return {"value": parsed}
    parsed.pop(SALT, None)
    return parsed


def lines(db: DbSession, actor: str, limit: int, client_id: int | None = None) -> list[Line]:
    """The newest `limit` entries, oldest first (of one client's record if `client_id`).

    The read is audited after it is made, so the list does not show its own entry.
    """
    subject = get_client(db, client_id).subject if client_id is not None else None
    query = _query().order_by(AuditEntry.id.desc()).limit(min(limit, ID_MAX))
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    found = [_line(entry, detail, cid) for entry, detail, cid in db.execute(query)]
    found.reverse()
    audit.record(db, actor, "audit.read", subject=subject, detail={"count": len(found)})
    return found


def about(db: DbSession, subject: str) -> list[Line]:
    """Every entry about one client, oldest first (for an export; not audited here)."""
    query = _query().where(AuditEntry.subject == subject).order_by(AuditEntry.id)
    return [_line(entry, detail, cid) for entry, detail, cid in db.execute(query)]


def _query() -> Select[AuditEntry, str, int]:
    return (
        select(AuditEntry, AuditDetail.detail, Client.id)
        .outerjoin(AuditDetail, AuditDetail.entry_id == AuditEntry.id)
        .outerjoin(Client, Client.subject == AuditEntry.subject)
    )


def _line(entry: AuditEntry, detail: str | None, client_id: int | None) -> Line:
    return Line(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        client_id=client_id,
        subject=entry.subject,
        session_id=entry.session_id,
        detail=detail_of(detail),
        detail_erased=detail is None and entry.detail_sha256 is not None,
    )

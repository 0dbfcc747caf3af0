"""A client's sessions at a glance: date, questionnaire, status, findings, scores, referral.

One query joins each session to its questionnaire file and its stored result, ordered by the
(client, started) index, so listing a client's sessions costs the same among 100,000 sessions
as among 100: no query per session. Each result's report JSON is read only for the few
fields the list shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.sessions import get_client
from kinecheck.clinic.tables import DefinitionFile, Result, Session


@dataclass(frozen=True)
class FindingShown:
    """A finding of a session's report, and the level the rules gave it."""

    id: str
    title: str
    level: str


@dataclass(frozen=True)
class ScoreShown:
    """A score of a session's report (value None: it could not be scored)."""

    id: str
    title: str
    value: int | float | None
    max: int | float
    band: str | None


@dataclass(frozen=True)
class SessionLine:
    """One session as `kinecheck clinic sessions` lists it."""

    id: int
    questionnaire: str
    version: str
    status: str
    clinician: str
    started: datetime
    finished: datetime | None
    referral: str | None  # the referral level; None while in progress
    findings: list[FindingShown]
    scores: list[ScoreShown]

    def as_json(self) -> dict[str, Any]:
        """The line as plain JSON data (moments in ISO 8601 with their offset)."""
        data = asdict(self)
        data["started"] = self.started.isoformat()
        data["finished"] = self.finished.isoformat() if self.finished else None
        return data


def findings_shown(report: Mapping[str, Any]) -> list[FindingShown]:
    """The findings of a stored report (its JSON, the contract), at their levels."""
    return [FindingShown(f["id"], f["title"], f["level"]) for f in report.get("findings") or ()]


def scores_shown(report: Mapping[str, Any]) -> list[ScoreShown]:
    """The scores of a stored report (none when its rules declare none)."""
    return [
        ScoreShown(s["id"], s["title"], s["value"], s["max"], s["band"])
        for s in report.get("scores") or ()
    ]


def _line(row: Any) -> SessionLine:
    """A list line from a joined row: session, questionnaire id and version, report JSON."""
    session, questionnaire, version, report_json = row
    referral, findings, scores = None, [], []
    if report_json is not None:
        report = json.loads(report_json)
        referral = report["referral"]["level"]
        findings, scores = findings_shown(report), scores_shown(report)
    return SessionLine(
        id=session.id,
        questionnaire=questionnaire,
        version=version,
        status=session.status,
        clinician=session.clinician,
        started=session.started_at,
        finished=session.finished_at,
        referral=referral,
        findings=findings,
        scores=scores,
    )


@dataclass(frozen=True)
class ClientSessions:
    """A client and their sessions, oldest first."""

    client: int
    name: str
    sessions: list[SessionLine]


def sessions_of(db: DbSession, actor: str, client_id: int) -> ClientSessions:
    """Every session of the client in time order (oldest first); the read is audited."""
    client = get_client(db, client_id)
    rows = db.execute(
        select(Session, DefinitionFile.ref_id, DefinitionFile.version, Result.report)
        .join(DefinitionFile, DefinitionFile.id == Session.questionnaire_file_id)
        .outerjoin(Result, Result.session_id == Session.id)
        .where(Session.client_id == client.id)
        .order_by(Session.started_at, Session.id)
    ).all()
    lines = [_line(row) for row in rows]
    audit.record(db, actor, "session.read", subject=client.subject, detail={"sessions": len(lines)})
    return ClientSessions(client.id, client.name, lines)

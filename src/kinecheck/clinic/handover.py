"""What a handover report holds, gathered from the clinic database for the renderers.

That is: the client, the session, its stored report, the clinician's notes and overrides,
and the change since the client's previous completed session. The report shown is always
the one STORED when the session was completed: it is what the client was told. The JSON
keeps no wording for people (titles, the "nothing found" sentence), so the session is
scored again from its stored definition files to get that wording back; when the new score
differs (the engine has changed since), the stored report still stands and `rescored`
says so.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit, changes
from kinecheck.clinic.changes import Change
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.sessions import (
    answers_of,
    definitions_of,
    get_client,
    get_session,
    result_of,
)
from kinecheck.clinic.tables import COMPLETED, DefinitionFile, Note, Override, Session
from kinecheck.errors import KinecheckError

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions
    from kinecheck.scoring.report import Report


Rescored = Literal["same", "differs", "unavailable"]
"""Scoring the stored answers again with the stored definitions gave the stored report, a
different one (the engine has changed), or nothing (this kinecheck cannot read them)."""


@dataclass(frozen=True)
class ClientShown:
    """Who the report is about."""

    id: int
    name: str
    born: date | None


@dataclass(frozen=True)
class SessionShown:
    """The session the report is of, and the definitions it was asked and scored with."""

    id: int
    questionnaire: str
    questionnaire_version: str
    questionnaire_title: str | None  # None: the stored definitions could not be read again
    rules: str
    rules_version: str
    started: datetime
    finished: datetime | None
    clinician: str
    status: str


@dataclass(frozen=True)
class NoteShown:
    """A clinician's note, with who wrote it and when."""

    text: str
    clinician: str
    at: datetime


@dataclass(frozen=True)
class OverrideShown:
    """A clinician's level for a finding, beside the level the rules computed."""

    finding: str
    title: str  # the finding's title in the rules (its id when they cannot be read)
    computed: str | None  # the level in the stored report; None: the finding did not fire
    level: str  # the clinician's: a finding level, or notes.NOT_PRESENT
    reason: str
    clinician: str
    at: datetime


@dataclass(frozen=True)
class PreviousShown:
    """The client's completed session before this one, which the changes are measured from."""

    id: int
    finished: datetime | None


@dataclass(frozen=True)
class Handover:
    """Everything `kinecheck clinic report` shows, in every format."""

    client: ClientShown
    session: SessionShown
    report: Report  # the stored report, with its wording for people when it could be rebuilt
    report_json: dict[str, Any]  # the stored contract JSON, exactly as kept
    rescored: Rescored  # what scoring the stored answers again today gave
    notes: list[NoteShown]
    overrides: list[OverrideShown]
    previous: PreviousShown | None  # None: this is the client's first completed session
    changes: list[Change] | None  # None: no earlier session, or no comparison (see below)
    changes_problem: str | None = None  # why the change since `previous` could not be shown


def _stored_report(text: str) -> Report:
    """The stored JSON read back into the report model (pydantic checks it on the way)."""
    from pydantic import ValidationError

    from kinecheck.definitions.validators import validator
    from kinecheck.scoring.report import Report

    try:
        return validator(Report).validate_json(text)
    except ValidationError:
        raise ClinicError(
            "the stored report of this session is not a report this kinecheck can read"
        ) from None


def _with_wording(
    db: DbSession, session: Session, stored: Report
) -> tuple[Report, Rescored, Definitions | None]:
    """The stored report with its wording, what a fresh score gave, and the definitions.

    The definitions come from the stored files, so only a change in the engine itself can
    make the fresh score differ (or fail); the stored report is the one shown either way.
    """
    from kinecheck import api

    try:
        defs = definitions_of(db, session)
        rescored = api.assess(defs, api.check_answers(defs, answers_of(db, session.id)).answers)
    except KinecheckError:
        return stored, "unavailable", None
    if rescored == stored:
        return rescored, "same", defs
    return dataclasses.replace(stored, wording=rescored.wording), "differs", defs


def _file(db: DbSession, file_id: int) -> DefinitionFile:
    row = db.get(DefinitionFile, file_id)
    if row is None:
        raise ClinicError(f"definition file {file_id} is missing from the database")
    return row


def _notes(db: DbSession, session_id: int) -> list[NoteShown]:
    rows = db.execute(
        select(Note).where(Note.session_id == session_id).order_by(Note.at, Note.id)
    ).scalars()
    return [NoteShown(n.text, n.clinician, n.at) for n in rows]


def _overrides(
    db: DbSession, session_id: int, report: Report, defs: Definitions | None
) -> list[OverrideShown]:
    computed = {f.id: f.level for f in report.findings}
    titles = {f.id: f.title for f in defs.rules.findings} if defs else {}
    titles.update({f.id: f.title for f in report.findings})
    rows = db.execute(
        select(Override).where(Override.session_id == session_id).order_by(Override.at, Override.id)
    ).scalars()
    return [
        OverrideShown(
            finding=o.finding,
            title=titles.get(o.finding, o.finding),
            computed=computed.get(o.finding),
            level=o.level,
            reason=o.reason,
            clinician=o.clinician,
            at=o.at,
        )
        for o in rows
    ]


def gather(db: DbSession, actor: str, session_id: int, *, fmt: str) -> Handover:
    """The handover of a completed session; the read is audited (report.read, the format).

    ClinicError for an unknown session, or one still in progress (it has no report yet).
    """
    session = get_session(db, session_id)
    result = result_of(db, session.id)
    if session.status != COMPLETED or result is None:
        raise ClinicError(
            f"session {session.id} is still in progress, so it has no report yet; "
            f"continue it with `kinecheck clinic intake {session.client_id} --resume`"
        )
    client = get_client(db, session.client_id)
    stored = _stored_report(result.report)
    report, rescored, defs = _with_wording(db, session, stored)
    questionnaire = _file(db, session.questionnaire_file_id)
    rules = _file(db, result.rules_file_id)
    previous = changes.previous_completed(db, session)
    found: list[Change] | None = None
    problem = None
    if previous is not None:
        try:
            found = changes.compare_sessions(db, previous, session)
        except KinecheckError as exc:  # the report itself can still be handed over
            problem = str(exc)
    audit.record(
        db,
        actor,
        "report.read",
        subject=client.subject,
        session_id=session.id,
        detail={"format": fmt},
    )
    return Handover(
        client=ClientShown(client.id, client.name, client.born),
        session=SessionShown(
            id=session.id,
            questionnaire=questionnaire.ref_id,
            questionnaire_version=questionnaire.version,
            questionnaire_title=defs.questionnaire.title if defs else None,
            rules=rules.ref_id,
            rules_version=rules.version,
            started=session.started_at,
            finished=session.finished_at,
            clinician=session.clinician,
            status=session.status,
        ),
        report=report,
        report_json=json.loads(result.report),
        rescored=rescored,
        notes=_notes(db, session.id),
        overrides=_overrides(db, session.id, report, defs),
        previous=PreviousShown(previous.id, previous.finished_at) if previous else None,
        changes=found,
        changes_problem=problem,
    )

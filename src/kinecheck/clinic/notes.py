"""A clinician's notes and overrides on a completed session: kept beside the computed result.

Nothing here changes the stored report. An override records the clinician's own level for
one finding of the session's rules, with the reason; reports show it next to the level the
rules computed, and both stay. The audit log records that a note or an override was added
(and an override's finding and level), never the note's text or the reason: those are
clinical data about the client and stay in their own rows, where erasure can reach them.
"""

from __future__ import annotations

import unicodedata
from typing import get_args

from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.sessions import definitions_of, get_client
from kinecheck.clinic.tables import COMPLETED, Note, Override, Session, now
from kinecheck.definitions.rules import FindingLevel

NOT_PRESENT = "not_present"
"""The override that says a finding is absent, whatever the rules computed."""
OVERRIDE_LEVELS: tuple[str, ...] = (*get_args(FindingLevel), NOT_PRESENT)
"""What a clinician may set a finding to: the rules' own finding levels, or not present."""


def normalised_level(typed: str) -> str:
    """A typed level as stored: 'Not present', 'not-present' and 'not_present' are one."""
    return "_".join(typed.strip().lower().replace("-", " ").split())


def _completed(session: Session, what: str) -> None:
    """ClinicError unless the session is completed (an open one has nothing to annotate)."""
    if session.status != COMPLETED:
        raise ClinicError(
            f"session {session.id} is still in progress: {what} can be added once it is "
            f"completed (`kinecheck clinic intake {session.client_id} --resume`)"
        )


def _said(text: str, what: str) -> str:
    """The text without surrounding blanks; ClinicError when nothing is left or it has controls.

    Control and format characters (an escape sequence, a right-to-left override) would
    reach a terminal or a printed report as they are: only line breaks and tabs are kept.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ClinicError(f"the {what} is empty; write what you want kept")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t" for ch in cleaned):
        raise ClinicError(
            f"the {what} holds control characters; use letters, spaces and punctuation"
        )
    return cleaned


def add_note(db: DbSession, actor: str, session: Session, text: str) -> Note:
    """Keep a clinician's note on a completed session (audited without its text)."""
    _completed(session, "notes")
    note = Note(session_id=session.id, text=_said(text, "note"), clinician=actor, at=now())
    db.add(note)
    db.flush()
    subject = get_client(db, session.client_id).subject
    audit.record(db, actor, "note.add", subject=subject, session_id=session.id)
    return note


def add_override(
    db: DbSession, actor: str, session: Session, finding: str, level: str, reason: str
) -> Override:
    """Keep a clinician's own level for one finding of the session's rules, with the reason.

    The finding may be any the rules define, fired or not (a clinician may see what the
    answers missed); ClinicError names what is allowed when the finding or level is not.
    """
    _completed(session, "overrides")
    defined = [f.id for f in definitions_of(db, session).rules.findings]
    if not defined:
        raise ClinicError(
            f"the rules of session {session.id} define no findings, so there is none to override"
        )
    if finding not in defined:
        raise ClinicError(
            f"'{finding}' is not a finding of the rules session {session.id} was scored with; "
            f"the findings are: {', '.join(defined)}"
        )
    chosen = normalised_level(level)
    if chosen not in OVERRIDE_LEVELS:
        raise ClinicError(
            f"'{level}' is not a level for a finding; use one of: {', '.join(OVERRIDE_LEVELS)}"
        )
    override = Override(
        session_id=session.id,
        finding=finding,
        level=chosen,
        reason=_said(reason, "reason"),
        clinician=actor,
        at=now(),
    )
    db.add(override)
    db.flush()
    subject = get_client(db, session.client_id).subject
    audit.record(
        db,
        actor,
        "override.add",
        subject=subject,
        session_id=session.id,
        detail={"finding": finding, "level": chosen},
    )
    return override

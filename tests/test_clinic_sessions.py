"""`kinecheck clinic sessions`, `note` and `override`, end to end on SQLite and PostgreSQL.

Records are made through the library as an intake makes them (kinecheck.clinic.sessions:
start, answers, finish with the report of `api.assess`); the commands run in a subprocess,
as a clinician types them. The helpers here serve test_clinic_report.py too.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from kinecheck import api
from kinecheck.cli import app
from kinecheck.clinic import sessions
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.notes import add_override
from kinecheck.clinic.store import open_store
from kinecheck.clinic.tables import AuditDetail, AuditEntry, Client, now
from kinecheck.definitions.compiled import Definitions
from kinecheck.render.jsonout import render as render_json

ROOT = Path(__file__).resolve().parent.parent
KNEE = api.load("knee-pain")
LEFS = api.load(str(ROOT / "examples" / "clinic" / "questionnaires" / "lefs.yaml"))
DESK_WORKER: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())
# a few weeks later: less pain, less sitting, hips no longer tight
LATER = {**DESK_WORKER, "pain_level": 1, "sitting_hours": 4, "hips_feel_tight": "no"}
RED_FLAGS = {**DESK_WORKER, "red_flags": ["calf_swelling"], "chest_symptoms": "yes"}
LEFS_MODERATE = {f"lefs_{i:02d}": "moderate" for i in range(1, 21)}
CLINICIAN = "Maria Costa"
NAME = "Ana Silva"
BORN = date(1980, 4, 2)


# -- making records as an intake does --------------------------------------------------------
def add_client(url: str, name: str = NAME, born: date | None = BORN) -> int:
    """A client row (clients are another command's business: only what sessions need)."""
    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        client = Client(
            name=name,
            born=born,
            archived=False,
            created_at=now(),
            subject=secrets.token_hex(16),
        )
        db.add(client)
        db.flush()
        return client.id


def add_session(
    url: str,
    client_id: int,
    raw: dict[str, Any],
    defs: Definitions = KNEE,
    *,
    complete: bool = True,
) -> int:
    """A session with these answers, scored and completed (or left in progress); its id."""
    checked = api.check_answers(defs, raw, partial=not complete).answers
    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        client = sessions.get_client(db, client_id)
        session = sessions.start(db, store.actor, client, defs)
        sessions.record_answers(db, store.actor, session.id, client.subject, {}, checked)
        if complete:
            report = render_json(api.assess(defs, checked))
            sessions.finish(db, store.actor, session, client.subject, report)
        return session.id


@dataclass
class Run:
    """What a command printed and how it exited."""

    code: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[:3000]}\nstderr: {self.stderr[:2000]}>"


def kc(url: str, *args: str, cwd: Path | None = None) -> Run:
    """`kinecheck clinic ARGS --db URL` in a subprocess (a password would go by environment)."""
    env = {**os.environ, "COLUMNS": "200", "KINECHECK_PATH": ""}  # a row on one line
    env.pop("FORCE_COLOR", None)
    db_args: tuple[str, ...] = ("--db", url)
    if sa.engine.make_url(url).password:  # --db refuses passwords, as it should
        env["KINECHECK_DB"], db_args = url, ()
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "clinic", *args, *db_args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=60,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def audit_entries(url: str, action: str) -> list[tuple[AuditEntry, str | None]]:
    """The audit entries of one action, with their detail (JSON text, None if none)."""
    with open_store(url) as store, store.transaction() as db:
        rows = db.execute(
            sa.select(AuditEntry, AuditDetail.detail)
            .outerjoin(AuditDetail, AuditDetail.entry_id == AuditEntry.id)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        ).all()
        return [(entry, detail) for entry, detail in rows]


def subject_of(url: str, client_id: int) -> str:
    with open_store(url) as store, store.transaction() as db:
        return sessions.get_client(db, client_id).subject


# -- sessions --------------------------------------------------------------------------------
def test_sessions_lists_each_session_with_findings_scores_referral_and_status(
    db_url: str,
) -> None:
    client = add_client(db_url)
    first = add_session(db_url, client, DESK_WORKER)
    urgent = add_session(db_url, client, RED_FLAGS)
    scored = add_session(db_url, client, LEFS_MODERATE, LEFS)
    open_one = add_session(db_url, client, {"age": 41}, complete=False)

    run = kc(db_url, "sessions", str(client))

    assert run.code == 0, run
    lines = run.stdout.splitlines()
    assert f"Sessions of {NAME} (client {client}), oldest first:" == lines[0]
    rows = lines[2:]
    assert [row.split()[2] for row in rows] == [str(s) for s in (first, urgent, scored, open_one)]
    assert "knee-pain 1.0" in rows[0] and "completed" in rows[0]
    assert "Limited hip mobility (likely)" in rows[0]
    assert "Limited ankle mobility (possible)" in rows[0]
    assert " emergency " in rows[1]
    assert "lefs 1.0" in rows[2] and "LEFS 40 / 80 (moderate difficulty)" in rows[2]
    assert "in progress" in rows[3]


def test_sessions_json_and_the_read_is_audited(db_url: str) -> None:
    client = add_client(db_url)
    first = add_session(db_url, client, DESK_WORKER)
    scored = add_session(db_url, client, LEFS_MODERATE, LEFS)

    run = kc(db_url, "sessions", str(client), "--format", "json", "--clinician", "Jo")

    assert run.code == 0, run
    listed = json.loads(run.stdout)
    assert listed["client"] == client and listed["name"] == NAME
    knee, lefs = listed["sessions"]
    assert knee["id"] == first and knee["status"] == "completed"
    assert knee["questionnaire"] == "knee-pain" and knee["clinician"] == CLINICIAN
    assert knee["referral"] == "none"
    assert {(f["id"], f["level"]) for f in knee["findings"]} == {
        ("hip_immobility", "likely"),
        ("ankle_immobility", "possible"),
    }
    assert lefs["id"] == scored
    assert lefs["scores"] == [
        {"id": "lefs", "title": "LEFS", "value": 40, "max": 80, "band": "moderate difficulty"}
    ]
    ((entry, _),) = audit_entries(db_url, "session.read")
    assert entry.subject == subject_of(db_url, client) and entry.actor == "Jo"


def test_sessions_of_a_client_without_any(db_url: str) -> None:
    client = add_client(db_url)
    run = kc(db_url, "sessions", str(client))
    assert run.code == 0, run
    assert "no sessions yet" in run.stdout and f"clinic intake {client}" in run.stdout


def test_sessions_of_an_unknown_client_is_exit_2_without_a_traceback(db_url: str) -> None:
    run = kc(db_url, "sessions", "4242")
    assert run.code == 2, run
    assert "there is no client 4242" in run.stderr
    assert "Traceback" not in run.stderr


# -- notes and overrides ---------------------------------------------------------------------
def test_a_note_is_kept_and_audited_without_its_text(db_url: str) -> None:
    client = add_client(db_url)
    session = add_session(db_url, client, DESK_WORKER)
    text = "Stairs worse since the new job; squats fine"

    run = kc(db_url, "note", str(session), text, "--clinician", "Jo")

    assert run.code == 0, run
    assert f"added to session {session} by Jo" in run.stdout
    ((entry, detail),) = audit_entries(db_url, "note.add")
    assert entry.session_id == session and entry.subject == subject_of(db_url, client)
    assert detail is None or "Stairs" not in detail


def test_a_note_or_reason_with_terminal_controls_is_refused(db_url: str) -> None:
    client = add_client(db_url)
    session = add_session(db_url, client, DESK_WORKER)
    for args in (
        ["note", str(session), "esc\x1b[31mRED"],
        ["note", str(session), "bidi \u202etxet"],
        ["override", str(session), "hip_immobility", "likely", "--reason", "r\x1b[2Jclear"],
    ):
        run = kc(db_url, *args)
        assert run.code == 2, run
        assert "holds control characters; use letters, spaces and punctuation" in run.stderr
    assert audit_entries(db_url, "note.add") == []
    assert kc(db_url, "note", str(session), "line one\nline two").code == 0


def test_an_override_names_finding_and_level_in_the_audit_but_not_the_reason(
    db_url: str,
) -> None:
    client = add_client(db_url)
    session = add_session(db_url, client, DESK_WORKER)

    run = kc(
        db_url,
        "override",
        str(session),
        "hip_immobility",
        "not present",
        "--reason",
        "Thomas test normal on the bench",
        "--format",
        "json",
    )

    assert run.code == 0, run
    added = json.loads(run.stdout)
    assert (added["session"], added["finding"], added["level"]) == (
        session,
        "hip_immobility",
        "not_present",
    )
    ((entry, detail),) = audit_entries(db_url, "override.add")
    assert entry.session_id == session
    assert detail is not None
    assert json.loads(detail)["finding"] == "hip_immobility"
    assert json.loads(detail)["level"] == "not_present"
    assert "Thomas" not in detail


def test_an_override_may_set_a_finding_the_rules_did_not_find(db_url: str) -> None:
    client = add_client(db_url)
    clear = {**DESK_WORKER, "sitting_hours": 2, "running_cycling_hours": 0, "sports": ["none"]}
    clear |= {"hips_feel_tight": "no", "ankle_sprains": 0, "calves_feel_tight": "no"}
    session_id = add_session(db_url, client, clear)
    with open_store(db_url, "Jo") as store, store.transaction() as db:
        session = sessions.get_session(db, session_id)
        added = add_override(db, store.actor, session, "ankle_immobility", "Possible", "x")
    assert (added.finding, added.level, added.clinician) == ("ankle_immobility", "possible", "Jo")


def test_an_override_of_an_unknown_finding_or_level_names_what_is_allowed(db_url: str) -> None:
    client = add_client(db_url)
    session = add_session(db_url, client, DESK_WORKER)

    finding = kc(db_url, "override", str(session), "hip_mobility", "likely", "--reason", "x")
    level = kc(db_url, "override", str(session), "hip_immobility", "certain", "--reason", "x")

    assert finding.code == 2, finding
    assert "'hip_mobility' is not a finding" in finding.stderr
    assert "hip_immobility, ankle_immobility" in finding.stderr
    assert level.code == 2, level
    assert "'certain' is not a level" in level.stderr
    assert "likely, possible, not_present" in level.stderr
    assert audit_entries(db_url, "override.add") == []


def test_an_override_needs_a_reason(sqlite_url: str) -> None:
    missing = CliRunner().invoke(app, ["clinic", "override", "1", "hip_immobility", "possible"])
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    client = add_client(sqlite_url)
    session_id = add_session(sqlite_url, client, DESK_WORKER)
    with open_store(sqlite_url) as store, store.transaction() as db:
        session = sessions.get_session(db, session_id)
        with pytest.raises(ClinicError, match="the reason is empty"):
            add_override(db, store.actor, session, "hip_immobility", "possible", " \n ")


def test_notes_and_overrides_wait_for_a_completed_session(db_url: str) -> None:
    client = add_client(db_url)
    session_id = add_session(db_url, client, {"age": 41}, complete=False)

    note = kc(db_url, "note", str(session_id), "too early")

    assert note.code == 2, note
    assert f"session {session_id} is still in progress" in note.stderr
    assert f"intake {client} --resume" in note.stderr
    with open_store(db_url) as store, store.transaction() as db:
        session = sessions.get_session(db, session_id)
        with pytest.raises(ClinicError, match="still in progress"):
            add_override(db, store.actor, session, "hip_immobility", "likely", "x")


@pytest.mark.parametrize("command", ["sessions", "report", "note", "override"])
def test_help_teaches_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, ["clinic", command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert f"Example: kinecheck clinic {command}" in " ".join(result.stdout.split())

"""Helpers for the clinic client, erase and audit tests: the CLI in a subprocess, and records.

`clinic(url, ...)` runs `python -m kinecheck clinic ... --db URL` as a shell would.
`completed_session` stores a scored session the way an intake does (kinecheck.clinic.sessions:
start, answers recorded, finish with the report of kinecheck.api.assess), with a note and an
override beside it, so exports and erasures have every kind of row to deal with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"
CLINICIAN = "dr-test"


@dataclass
class Ran:
    """What a command printed and how it exited."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[:3000]}\nstderr: {self.stderr[:3000]}>"


def clinic(url: str, *args: str, env: dict[str, str] | None = None) -> Ran:
    """`kinecheck clinic ARGS --db URL` in a separate process; never a traceback."""
    environment = {k: v for k, v in os.environ.items() if k not in ("KINECHECK_PATH",)}
    environment.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "clinic", *args, "--db", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return Ran(done.returncode, done.stdout, done.stderr)


def add_client(url: str, name: str, **fields: str) -> int:
    """Add a client in this process (quicker than the CLI, which its own tests run); their id."""
    from kinecheck.clinic import clients
    from kinecheck.clinic.store import open_store

    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        return clients.add(db, store.actor, clients.new_client(name, **fields)).client.id


@dataclass(frozen=True)
class Stored:
    """A completed session stored for a client."""

    session_id: int
    answers: dict[str, Any]


def completed_session(
    url: str,
    client_id: int,
    *,
    free_text: str | None = None,
    note: str = "Walks to work; stairs at home.",
) -> Stored:
    """A scored session of the knee-pain questionnaire (desk-worker answers) for the client.

    The answers are recorded a few at a time, with answers changed and one taken back on
    the way, as a person going back in the quiz would. `free_text` is stored as the answer
    to an extra question (a stand-in for a text question's answer).
    """
    from kinecheck import api
    from kinecheck.clinic import audit, sessions
    from kinecheck.clinic.store import open_store
    from kinecheck.clinic.tables import Note, Override, now
    from kinecheck.render import renderer

    defs = api.load("knee-pain")
    answers = dict(api.check_answers(defs, yaml.safe_load(DESK_WORKER.read_text())).answers)
    report_json = renderer("json")(api.assess(defs, answers))
    store = open_store(url, CLINICIAN)
    try:
        with store.transaction() as db:
            client = sessions.get_client(db, client_id)
            session = sessions.start(db, store.actor, client, defs)
            subject, session_id = client.subject, session.id
        given: dict[str, Any] = {}
        steps: list[dict[str, Any]] = [
            {"age": 40},
            {"age": 40, "knee_side": "right", "pain_level": 9},
            {"age": 40, "knee_side": "right"},  # pain_level taken back
            dict(answers),  # age and knee_side changed, the rest given
        ]
        if free_text is not None:
            steps.append({**answers, "free_text": free_text})
        for after in steps:  # each in its own transaction, as the quiz commits them
            with store.transaction() as db:
                sessions.record_answers(db, store.actor, session_id, subject, given, after)
            given = after
        with store.transaction() as db:
            session = sessions.get_session(db, session_id)
            sessions.finish(db, store.actor, session, subject, report_json)
            db.add(Note(session_id=session_id, text=note, clinician=store.actor, at=now()))
            db.add(
                Override(
                    session_id=session_id,
                    finding="hip_mobility",
                    level="low",
                    reason="Seen in clinic: full range.",
                    clinician=store.actor,
                    at=now(),
                )
            )
            audit.record(db, store.actor, "note.add", subject=subject, session_id=session_id)
            audit.record(db, store.actor, "override.add", subject=subject, session_id=session_id)
    finally:
        store.close()
    return Stored(session_id, given)


def all_rows(url: str) -> dict[str, list[str]]:
    """Every row of every table of the database, each as text (to search for what is left)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                name: [
                    repr(tuple(row)) for row in connection.execute(sa.text(f"SELECT * FROM {name}"))
                ]
                for name in names
            }
    finally:
        engine.dispose()


def execute(url: str, *statements: str, **params: Any) -> None:
    """Run SQL on the database directly, behind kinecheck's back (to tamper with it)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def scalar(url: str, statement: str, **params: Any) -> Any:
    """One value read from the database directly."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement), params).scalar()
    finally:
        engine.dispose()

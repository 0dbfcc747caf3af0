"""The clinic schema: migrations that make exactly the tables kinecheck reads, and safe upgrades.

A column added to tables.py without a migration, a migration missing from schema.REVISIONS, an
upgrade that loses a client, a backup others could read, or a newer (or foreign) database
written into: each fails here, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kinecheck.clinic import db, schema
from kinecheck.clinic.store import open_store
from kinecheck.clinic.tables import Base, Client, ClientWord
from test_clinic_db import client_list, mode, snapshot, sqlite_file

CLIENTS: list[dict[str, Any]] = [  # made-up people, as the first schema stored them
    {"name": "Zoë Martin", "email": "zoe.martin@example.org", "born": date(1984, 5, 6)},
    {"name": "Ana Silva", "email": None, "born": None},
    {"name": "João Silva-Costa", "email": "jsc@example.org", "born": date(1990, 1, 2)},
]


def engine_for(url: str) -> sa.Engine:
    """An engine with kinecheck's own settings (an SQLite file is made owner-only)."""
    return db.create_engine(db.parse(url))


def test_the_migrations_make_exactly_the_tables_kinecheck_reads(db_url: str) -> None:
    engine = engine_for(db_url)
    try:
        assert schema.ensure_current(engine) is None, "a new database"
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, Base.metadata) == []
            assert schema.current_revision(connection) == schema.HEAD
    finally:
        engine.dispose()


def test_revisions_are_alembics_in_order() -> None:
    config = Config()
    config.set_main_option("script_location", "kinecheck.clinic:migrations")
    scripts = ScriptDirectory.from_config(config)
    oldest_first = [script.revision for script in scripts.walk_revisions()][::-1]
    assert tuple(oldest_first) == schema.REVISIONS
    assert scripts.get_heads() == [schema.HEAD]


def _first_schema_with_clients(url: str) -> None:
    """A database as the first kinecheck left it: revision 0001, clients written in plain SQL."""
    engine = engine_for(url)
    insert = sa.text(
        "INSERT INTO clients (name, born, email, phone, archived, created_at, subject) "
        "VALUES (:name, :born, :email, NULL, :archived, :created_at, :subject)"
    ).bindparams(
        sa.bindparam("born", type_=sa.Date()),
        sa.bindparam("archived", type_=sa.Boolean()),
        sa.bindparam("created_at", type_=sa.DateTime(timezone=True)),
    )
    try:
        with engine.begin() as connection:
            schema.upgrade(connection, "0001")
            for number, client in enumerate(CLIENTS, start=1):
                connection.execute(
                    insert,
                    {
                        **client,
                        "archived": False,
                        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                        "subject": f"{number:032x}",
                    },
                )
        with engine.connect() as connection:
            assert schema.current_revision(connection) == "0001"
    finally:
        engine.dispose()


def test_a_database_of_the_first_schema_is_upgraded(db_url: str) -> None:
    _first_schema_with_clients(db_url)
    store = open_store(db_url)
    try:
        with store.engine.connect() as connection:
            assert schema.current_revision(connection) == schema.HEAD
            words = {
                (client_id, word)
                for client_id, word in connection.execute(
                    sa.select(ClientWord.client_id, ClientWord.word)
                )
            }
            names = dict(connection.execute(sa.select(Client.id, Client.name)).all())
    finally:
        store.close()
    assert sorted(names.values()) == sorted(c["name"] for c in CLIENTS)
    by_name = {name: client_id for client_id, name in names.items()}
    assert (by_name["Zoë Martin"], "zoe") in words, "accents folded: 'zoe' finds Zoë"
    assert (by_name["Zoë Martin"], "zoe.martin@example.org") in words
    assert {(by_name["Ana Silva"], "silva"), (by_name["João Silva-Costa"], "silva")} <= words
    assert (by_name["João Silva-Costa"], "joao") in words
    # ... and so the clinician finds them, through the command
    for search, found in [("zoe", ["Zoë Martin"]), ("silva", ["Ana Silva", "João Silva-Costa"])]:
        result = client_list(db_url, "--search", search, "--format", "json")
        assert result.code == 0, result
        assert sorted(c["name"] for c in json.loads(result.stdout)) == found


def test_an_upgraded_sqlite_file_is_backed_up_first_owner_only(sqlite_url: str) -> None:
    _first_schema_with_clients(sqlite_url)
    path = sqlite_file(sqlite_url)
    open_store(sqlite_url).close()
    backups = sorted(path.parent.glob(f"{path.name}.schema-0001-*.bak"))
    assert len(backups) == 1, sorted(p.name for p in path.parent.iterdir())
    backup = backups[0]
    assert mode(backup) == 0o600
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        names = sorted(name for (name,) in copy.execute("SELECT name FROM clients"))
        tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master")}
    finally:
        copy.close()
    assert names == sorted(c["name"] for c in CLIENTS)
    assert "client_words" not in tables, "the copy is the database as it was"
    open_store(sqlite_url).close()
    assert len(list(path.parent.glob("*.bak"))) == 1, "a current database is not copied again"


def test_a_database_of_a_newer_kinecheck_is_refused_unchanged(db_url: str) -> None:
    open_store(db_url).close()
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    before = snapshot(db_url)
    files = _files_beside(db_url)
    result = client_list(db_url)
    assert result.code == 2, result
    assert "was made by a newer kinecheck (schema 9999" in result.stderr
    assert "upgrade kinecheck to open it. Nothing was changed." in result.stderr
    assert snapshot(db_url) == before
    assert _files_beside(db_url) == files, "no backup either"


def test_a_database_holding_foreign_tables_is_refused_unchanged(db_url: str) -> None:
    engine = engine_for(db_url)  # the SQLite file made owner-only, as kinecheck would
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE patients (id INTEGER PRIMARY KEY, x TEXT)"))
            connection.execute(sa.text("INSERT INTO patients (id, x) VALUES (1, 'kept')"))
    finally:
        engine.dispose()
    before = snapshot(db_url)
    result = client_list(db_url)
    assert result.code == 2, result
    assert "already holds tables that are not kinecheck's" in result.stderr
    assert "give kinecheck a database of its own" in result.stderr
    assert snapshot(db_url) == before
    assert set(before) == {"patients"}
    if db_url.startswith("sqlite"):  # not even its journal mode was changed
        path = sqlite_file(db_url)
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("delete",)


def _files_beside(url: str) -> list[str]:
    """The files in an SQLite database's folder (nothing for PostgreSQL)."""
    if not url.startswith("sqlite"):
        return []
    folder: Path = sqlite_file(url).parent
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))

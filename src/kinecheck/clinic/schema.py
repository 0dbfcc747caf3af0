"""A database's schema version: made new, upgraded (after a backup), or refused when newer.

The revision is read with one query; Alembic is imported only when there is something to do,
so opening an up-to-date database stays quick. Upgrades run in one transaction holding the
database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so two
kinecheck processes opening an old database at once upgrade it once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from kinecheck.clinic.db import ClinicError, shown, sqlite_path

# Every revision in migrations/versions, oldest first; a test holds this equal to Alembic's.
REVISIONS = ("0001", "0002")
HEAD = REVISIONS[-1]
_PG_MIGRATION_LOCK = 0x6B696E65  # 'kine': the advisory lock id of an upgrade


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database (None: kinecheck has never used it)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_current(engine: Engine) -> str | None:
    """Bring the schema to HEAD; the revision it was at. ClinicError for a newer schema.

    A database with tables but none of kinecheck's is refused rather than written into.
    """
    with engine.connect() as connection:
        found = current_revision(connection)
        connection.rollback()
    if found == HEAD:
        return found
    _refuse_unknown(engine, found)
    with engine.begin() as connection:  # the write lock, so only one process upgrades
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_MIGRATION_LOCK}
            )
        found = current_revision(connection)
        _refuse_unknown(engine, found)
        if found == HEAD:
            return found
        if found is None and _foreign_tables(connection):
            raise ClinicError(
                f"{shown(engine.url)} already holds tables that are not kinecheck's; "
                "give kinecheck a database of its own"
            )
        if found is not None:
            backup_sqlite(engine, found)
        upgrade(connection, HEAD)
    return found


def _refuse_unknown(engine: Engine, found: str | None) -> None:
    if found is not None and found not in REVISIONS:
        raise ClinicError(
            f"{shown(engine.url)} was made by a newer kinecheck (schema {found}; this one "
            f"knows up to {HEAD}); upgrade kinecheck to open it. Nothing was changed."
        )


def _foreign_tables(connection: Connection) -> list[str]:
    return [t for t in inspect(connection).get_table_names() if t != "alembic_version"]


def upgrade(connection: Connection, revision: str) -> None:
    """Run the migrations up to `revision` on `connection`, inside its transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "kinecheck.clinic:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def backup_sqlite(engine: Engine, revision: str) -> Path | None:
    """Copy an SQLite database (owner-only) before it is upgraded; the copy's path.

    The copy is made with SQLite's online backup, so it is consistent even while others
    read; it is left beside the database for the clinic to delete once all is well.
    """
    path = sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
    if path is None:
        return None
    import sqlite3

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.schema-{revision}-{stamp}.bak")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    os.close(fd)
    source = sqlite3.connect(path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target

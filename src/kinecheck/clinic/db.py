"""Which clinic database, and an engine for it with the settings records need.

The default is an SQLite file in the user data folder, made owner-only (0600, in 0700
folders) before SQLite ever opens it; `--db URL` or KINECHECK_DB names another, such as a
PostgreSQL database a clinic shares. A password is never taken from the command line (other
users can list it) and never shown: messages print the URL without it.

KINECHECK_DB_BUSY_TIMEOUT_MS (milliseconds) shortens or lengthens how long an SQLite write
waits for another one before "the database is busy"; the tests set it to keep a locked
database quick to report. Unset, or not a whole number >= 0, it is BUSY_TIMEOUT_MS.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck.errors import KinecheckError
from kinecheck.places import data_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

DB_ENV = "KINECHECK_DB"
DB_FILE_NAME = "clinic.db"
# How long a write waits for another clinician's write to finish before "the database is busy".
BUSY_TIMEOUT_MS = 15_000
BUSY_TIMEOUT_ENV = "KINECHECK_DB_BUSY_TIMEOUT_MS"
SUPPORTED = ("sqlite", "postgresql")
# Query parameters of a URL that carry a secret (libpq reads a password there too).
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


class ClinicError(KinecheckError):
    """A clinic command cannot go on: its text says why and what to do (never a password)."""


def busy_timeout_ms() -> int:
    """How long a write waits for the lock: BUSY_TIMEOUT_MS unless the environment says."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    return int(text) if text.isdigit() else BUSY_TIMEOUT_MS


def default_url() -> str:
    """The owner-only SQLite file in the user data folder."""
    return f"sqlite:///{data_dir() / 'clinic' / DB_FILE_NAME}"


def chosen_url(option: str | None) -> tuple[str, str]:
    """The URL to open and where it came from ("--db", KINECHECK_DB or "default").

    ClinicError when --db carries a password: it would be readable by anyone who lists the
    processes, so it belongs in ~/.pgpass, a service file or the environment instead.
    """
    if option:
        if _password_of(option):
            raise ClinicError(
                f"--db {shown(option)}: leave the password out of the command line, where "
                "other users can read it; put it in ~/.pgpass (or PGPASSFILE, a service file, "
                f"or {DB_ENV} / PGPASSWORD in the environment)"
            )
        return option, "--db"
    from_env = os.environ.get(DB_ENV)
    if from_env:
        return from_env, DB_ENV
    return default_url(), "default"


def parse(url: str) -> URL:
    """The URL as SQLAlchemy reads it; ClinicError when it is not one kinecheck can use."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ClinicError(
            f"{shown(url)} is not a database URL (try sqlite:///PATH/clinic.db or "
            "postgresql+psycopg://USER@HOST/DATABASE)"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise ClinicError(
            f"{shown(url)}: kinecheck keeps clinic records in SQLite or PostgreSQL only"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver kinecheck installs
    return parsed


def shown(url: str | URL) -> str:
    """The URL for messages: never its password, not even masked."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # not a URL at all: show the part before any '@' only
        text = str(url)
        return text.split("@", 1)[-1] if "@" in text else text
    # `_replace`, not `set`: URL.set ignores None, so set(password=None) would keep it
    hidden = parsed._replace(password=None)
    secret_keys = [key for key in hidden.query if key.lower() in SECRET_QUERY_KEYS]
    if secret_keys:  # libpq also takes the password as ?password=
        hidden = hidden.difference_update_query(secret_keys)
    return hidden.render_as_string(hide_password=False)


def _password_of(url: str) -> str | None:
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return None
    if parsed.password:
        return str(parsed.password)
    for key, value in parsed.query.items():
        if key.lower() in SECRET_QUERY_KEYS and value:
            return str(value)
    return None


def sqlite_path(url: URL) -> Path | None:
    """The database file of an SQLite URL (None for an in-memory database)."""
    database = url.database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def create_engine(url: URL) -> Engine:
    """An engine with the settings clinic records need, the SQLite file made private first."""
    from sqlalchemy import create_engine as sa_create_engine

    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            prepare_sqlite_file(path)
        timeout_ms = busy_timeout_ms()
        engine = sa_create_engine(url, connect_args={"timeout": timeout_ms / 1000})
        _sqlite_settings(engine, timeout_ms)
        return engine
    return sa_create_engine(
        url,
        pool_pre_ping=False,
        connect_args={"connect_timeout": 10, "application_name": "kinecheck"},
    )


def prepare_sqlite_file(path: Path) -> None:
    """Make the folder (0700) and an empty file (0600) unless there; refuse one others can read.

    SQLite gives its write-ahead log and shared-memory files the mode of the database file,
    so the one check covers all three.
    """
    from kinecheck.places import make_private_folder

    try:
        make_private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ClinicError(
            f"{path}: the database cannot be created ({(exc.strerror or str(exc)).lower()})"
        ) from None
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ClinicError(f"{path}: {(exc.strerror or str(exc)).lower()}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ClinicError(f"{path}: not a regular file, so not a clinic database")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ClinicError(
            f"{path}: the database belongs to another user; records are opened only by their owner"
        )
    if info.st_mode & 0o077:
        raise ClinicError(
            f"{path}: other users can read or change this database; make it yours alone "
            f"(`chmod 600 {path}`) and check who has read it"
        )


def use_wal(engine: Engine) -> None:
    """Put an SQLite database in write-ahead-log mode (kept in the file; readers never wait).

    Called once the schema is known to be kinecheck's: the mode is written into the file, and
    a database that is refused (someone else's) must be left exactly as it was.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction, as SQLite requires
        try:
            raw.cursor().execute("PRAGMA journal_mode = WAL")
        finally:
            raw.close()


def _sqlite_settings(engine: Engine, timeout_ms: int) -> None:
    """Full durability, foreign keys, secure delete; every transaction takes the write lock.

    `BEGIN IMMEDIATE` takes the lock at the start: two clinicians writing at once then wait
    their turn (up to `timeout_ms`) instead of one failing halfway. `synchronous=FULL`
    makes each commit durable: an answer stored is an answer kept through a power cut.
    `secure_delete` overwrites deleted rows, so an erased client leaves nothing readable.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        for pragma in (
            f"PRAGMA busy_timeout = {timeout_ms}",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA secure_delete = ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

"""An open clinic database: its engine, who is working, and one transaction at a time.

`open_store` is where every clinic command starts: it picks the database (`db.chosen_url`),
makes an SQLite file private, brings the schema up to date (`schema.ensure_current`) and
turns every database failure into a ClinicError whose message shows the URL without its
password and never a value from a row (SQLAlchemy's own messages print query parameters,
which may be answers).
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kinecheck.clinic.db import (
    ClinicError,
    busy_timeout_ms,
    chosen_url,
    create_engine,
    parse,
    shown,
    use_wal,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session as DbSession


@dataclass
class Store:
    """An open clinic database and the clinician working in it."""

    engine: Engine
    actor: str  # who the audit log and new sessions name: --clinician, else OS user / role
    where: str  # the URL without a password, for messages

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DbSession]:
        """One ORM session in one transaction, committed at the end (rolled back on error)."""
        from sqlalchemy.orm import Session as DbSession

        with (
            database_errors(self.where),
            DbSession(self.engine, expire_on_commit=False) as db,
            db.begin(),
        ):
            yield db

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(db: str | None = None, clinician: str | None = None) -> Store:
    """Open (making and upgrading as needed) the clinic database `db` or the default one."""
    from kinecheck.clinic.schema import ensure_current

    url_text, _ = chosen_url(db)
    url = parse(url_text)
    where = shown(url)
    engine = create_engine(url)
    with database_errors(where):
        ensure_current(engine)
        use_wal(engine)
        actor = clinician.strip() if clinician and clinician.strip() else _default_actor(engine)
    return Store(engine, actor, where)


def _default_actor(engine: Engine) -> str:
    """The database role on PostgreSQL; the operating-system user on SQLite."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as connection:
            return str(connection.execute(text("SELECT current_user")).scalar())
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@contextlib.contextmanager
def database_errors(where: str) -> Iterator[None]:
    """Turn SQLAlchemy's failures into ClinicError: what happened, where, never a value."""
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except ClinicError:
        raise
    except sa_exc.OperationalError as exc:
        raise ClinicError(_operational(where, exc)) from None
    except sa_exc.IntegrityError:
        raise ClinicError(
            f"{where}: the change was refused by the database (another change got there "
            "first); nothing was saved, try again"
        ) from None
    except sa_exc.DBAPIError as exc:
        kind = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
        raise ClinicError(f"{where}: the database failed ({kind}); nothing was saved") from None
    except sa_exc.SQLAlchemyError as exc:
        raise ClinicError(f"{where}: {type(exc).__name__}; nothing was saved") from None
    except OverflowError:  # a number the driver cannot bind (ids are checked before this)
        too_large = "a number too large for the database"
        raise ClinicError(f"{where}: {too_large}; nothing was saved") from None


def _operational(where: str, exc: Exception) -> str:
    """A message for a database that cannot be reached, opened or written."""
    orig = getattr(exc, "orig", None)
    first = str(orig if orig is not None else exc).strip().splitlines()
    reason = first[0] if first else type(exc).__name__
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        seconds = busy_timeout_ms() / 1000
        return (
            f"{where}: the database is busy (another kinecheck is writing and did not finish "
            f"within {seconds:g} s); nothing was saved, try again"
        )
    if "password" in lowered or "authentication" in lowered:
        return (
            f"{where}: the server refused the login ({_strip_secrets(reason)}); "
            "check ~/.pgpass, PGPASSFILE or your service file"
        )
    if "unable to open" in lowered or "connection" in lowered or "could not" in lowered:
        return f"{where}: cannot open the database ({_strip_secrets(reason)})"
    return f"{where}: the database failed ({_strip_secrets(reason)}); nothing was saved"


def _strip_secrets(reason: str) -> str:
    """Libpq's first line names host, port and user; cut anything from 'password=' on."""
    cut = reason.lower().find("password=")
    return (reason[:cut] + "…") if cut >= 0 else reason

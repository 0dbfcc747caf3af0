"""Opening a clinic database, as a clinician meets it: where it is made, and every way it fails.

Each failure must be a clear message and exit 2, never a traceback, never a password, and
must leave the database as it was. The commands run as a shell runs them
(`python -m kinecheck clinic client list`); a few checks look inside the files afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kinecheck.clinic.db import BUSY_TIMEOUT_ENV, DB_ENV
from kinecheck.clinic.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV = "KINECHECK_TEST_PG_SECRET"  # the password of the role kc_password (.ci/postgres)
PG_ROLE = "kc_password"


# -- running the command ------------------------------------------------------------------------


@dataclass
class Run:
    """What a command printed and how it exited."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[:2000]}\nstderr: {self.stderr[:2000]}>"


def clinic(
    *args: str,
    env: dict[str, str] | None = None,
    umask: int = -1,
    prefix: tuple[str, ...] = (),
) -> Run:
    """Run `python -m kinecheck clinic ARGS` as a separate process, as a shell would.

    KINECHECK_DB is taken out of the environment unless `env` sets it, so only the
    database a test names is ever opened. `prefix` runs it through another command
    (`setpriv` to run it as another user).
    """
    environment = {
        k: v for k, v in os.environ.items() if k not in ("KINECHECK_PATH", DB_ENV, "PGPASSFILE")
    }
    environment.update({"COLUMNS": "100", "NO_COLOR": "1", **(env or {})})
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "kinecheck", "clinic", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
        umask=umask,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def client_list(url: str | None, *more: str, **kwargs: Any) -> Run:
    """`kinecheck clinic client list [--db URL]`: the simplest command that opens a database."""
    return clinic("client", "list", *(("--db", url) if url else ()), *more, **kwargs)


# -- what a database holds ----------------------------------------------------------------------


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in order: two equal snapshots mean nothing was changed."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(row) for row in connection.execute(sa.select(table))),
                    key=repr,
                )
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def sqlite_file(url: str) -> Path:
    database = sa.engine.make_url(url).database
    assert database
    return Path(database)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the default database -----------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_the_default_database_is_made_owner_only(tmp_path: Path, umask: int) -> None:
    data = tmp_path / "data"
    result = client_list(None, env={"KINECHECK_DATA_DIR": str(data)}, umask=umask)
    assert result.code == 0, result
    database = data / "clinic" / "clinic.db"
    assert database.is_file()
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700
    assert mode(data) == 0o700
    # The write-ahead log and shared memory take the database file's mode: keep them open
    # (an open reader) while the command writes, then look at them.
    previous = os.umask(umask)
    try:
        reader = sqlite3.connect(database)
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        os.umask(previous)
    try:
        assert client_list(None, env={"KINECHECK_DATA_DIR": str(data)}, umask=umask).code == 0
        companions = [database.with_name(database.name + end) for end in ("-wal", "-shm")]
        present = [path for path in companions if path.exists()]
        assert present, "a reader keeps the write-ahead log"
        for path in present:
            assert mode(path) == 0o600, path
    finally:
        reader.close()


def test_kinecheck_db_names_the_database(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere" / "records.db"
    data = tmp_path / "data"
    env = {"KINECHECK_DATA_DIR": str(data), DB_ENV: f"sqlite:///{chosen}"}
    assert client_list(None, env=env).code == 0
    assert mode(chosen) == 0o600
    assert not (data / "clinic").exists()


def test_a_database_others_can_read_is_refused(sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    path = sqlite_file(sqlite_url)
    path.chmod(0o644)
    before = path.read_bytes()
    result = client_list(sqlite_url)
    assert result.code == 2, result
    assert "other users can read or change this database" in result.stderr
    assert f"chmod 600 {path}" in result.stderr
    assert path.read_bytes() == before
    assert mode(path) == 0o644, "kinecheck says what to do; it does not change the mode itself"


# -- wrong URLs and passwords -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nosuch://x", "kinecheck keeps clinic records in SQLite or PostgreSQL only"),
        ("mysql://u@h/d", "kinecheck keeps clinic records in SQLite or PostgreSQL only"),
        ("this is not a url", "is not a database URL (try sqlite:///"),
    ],
)
def test_a_wrong_url_is_a_clear_message(url: str, expected: str) -> None:
    result = client_list(url)
    assert result.code == 2, result
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert result.stdout == ""


def test_a_password_on_the_command_line_is_refused_and_never_shown(tmp_path: Path) -> None:
    secret = f"pw-{uuid.uuid4().hex}"
    for url in (
        f"postgresql+psycopg://kc_password:{secret}@127.0.0.1:{free_port()}/clinic",
        f"postgresql://someone:{secret}@db.example.org/clinic",
        # libpq takes it as a query parameter too
        f"postgresql+psycopg://someone@127.0.0.1:{free_port()}/clinic?password={secret}",
        f"postgresql://someone@db.example.org/clinic?sslmode=require&sslpassword={secret}",
    ):
        result = client_list(url)
        assert result.code == 2, result
        assert "leave the password out of the command line" in result.stderr
        assert "~/.pgpass" in result.stderr
        assert secret not in result.output


@dataclass(frozen=True)
class RoleDatabase:
    """A database owned by the role kc_password, which logs in with a password."""

    url: str  # as kc_password, without a password: the tests give it another way
    admin_url: str  # as the server's admin, to look inside


@pytest.fixture
def pg_role_database(pg_url: str) -> RoleDatabase:
    """A fresh database (conftest's `pg_url`, dropped afterwards) handed to kc_password."""
    if not os.environ.get(SECRET_ENV):  # set with KINECHECK_TEST_PG, or by conftest's server
        why = f"{SECRET_ENV} is not set: the password of the role {PG_ROLE} (.ci/postgres)"
        if os.environ.get("CI"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = connection.execute(sa.text("SELECT current_database()")).scalar()
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" OWNER TO {PG_ROLE}')
    finally:
        admin.dispose()
    as_role = sa.engine.make_url(pg_url).set(username=PG_ROLE)._replace(password=None)
    return RoleDatabase(as_role.render_as_string(hide_password=False), pg_url)


def test_a_wrong_password_is_refused_and_never_shown(pg_role_database: RoleDatabase) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    with_password = sa.engine.make_url(pg_role_database.url).set(password=wrong)
    url = with_password.render_as_string(hide_password=False)
    result = client_list(None, env={DB_ENV: url})
    assert result.code == 2, result
    assert "the server refused the login" in result.stderr
    assert "~/.pgpass" in result.stderr
    assert wrong not in result.output
    assert pg_role_database.url in result.stderr, "the URL is shown, without its password"


def test_a_password_in_the_query_of_kinecheck_db_is_never_shown(
    pg_role_database: RoleDatabase,
) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    result = client_list(None, env={DB_ENV: f"{pg_role_database.url}?password={wrong}"})
    assert result.code == 2, result
    assert "the server refused the login" in result.stderr
    assert wrong not in result.output
    assert pg_role_database.url in result.stderr, "the URL is shown, without its password"


def test_the_password_comes_from_a_pgpass_file(
    tmp_path: Path, pg_role_database: RoleDatabase
) -> None:
    url = sa.engine.make_url(pg_role_database.url)
    pgpass = tmp_path / "pgpass"
    secret = os.environ[SECRET_ENV]
    pgpass.write_text(f"{url.host}:{url.port}:{url.database}:{PG_ROLE}:{secret}\n")
    pgpass.chmod(0o600)
    result = client_list(pg_role_database.url, env={"PGPASSFILE": str(pgpass)})
    assert result.code == 0, result
    assert secret not in result.output
    # The clinician is the database role: the audit log names it.
    engine = sa.create_engine(pg_role_database.admin_url)
    try:
        with engine.connect() as connection:
            actors = set(connection.execute(sa.text("SELECT actor FROM audit")).scalars())
    finally:
        engine.dispose()
    assert actors == {PG_ROLE}


# -- servers and files that cannot be reached ---------------------------------------------------


def test_an_unreachable_server_is_a_clear_message() -> None:
    url = f"postgresql+psycopg://kinecheck@127.0.0.1:{free_port()}/clinic"
    result = client_list(url)
    assert result.code == 2, result
    assert "cannot open the database" in result.stderr
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in result.stderr


def test_a_locked_database_is_busy_and_nothing_is_half_written(sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    before = snapshot(sqlite_url)
    holder = sqlite3.connect(sqlite_file(sqlite_url), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        result = client_list(sqlite_url, env={BUSY_TIMEOUT_ENV: "300"})
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert result.code == 2, result
    assert "the database is busy" in result.stderr
    assert "nothing was saved, try again" in result.stderr
    assert snapshot(sqlite_url) == before


def _as_another_user() -> tuple[str, ...]:
    """A command prefix under which a read-only folder is read-only: root ignores modes."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder binds nobody")
    return (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")


def test_a_read_only_folder_is_a_clear_message() -> None:
    prefix = _as_another_user()
    with tempfile.TemporaryDirectory() as top:
        Path(top).chmod(0o711)  # another user may pass through, not look or write
        parent = Path(top) / "read-only"
        parent.mkdir()
        parent.chmod(0o555)
        target = parent / "clinic" / "clinic.db"
        env = {"KINECHECK_CACHE": "off", "HOME": top, "KINECHECK_DATA_DIR": top}
        try:
            result = client_list(f"sqlite:///{target}", env=env, prefix=prefix)
        finally:
            parent.chmod(0o700)
        assert result.code == 2, result
        assert f"{target}: the database cannot be created (permission denied)" in result.stderr
        assert not target.parent.exists()


def test_a_file_where_the_folder_should_be_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "records").write_text("not a folder\n")
    target = tmp_path / "records" / "clinic.db"
    result = client_list(f"sqlite:///{target}")
    assert result.code == 2, result
    assert f"{target}: the database cannot be created (not a directory)" in result.stderr
    assert (tmp_path / "records").read_text() == "not a folder\n"

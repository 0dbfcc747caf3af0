"""Keep the test suite away from the user's own saved quiz sessions.

For the whole session KINECHECK_DATA_DIR points at a temporary folder, set in `os.environ`
before anything is collected, so that the kinecheck subprocesses tests start inherit it too.
Tests that need a data folder of their own point it elsewhere again.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest

_ENV = "KINECHECK_DATA_DIR"
_saved = os.environ.get(_ENV)
_folder: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="kinecheck-data-")
    _folder.append(folder)
    os.environ[_ENV] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_server()
    if _saved is None:
        os.environ.pop(_ENV, None)
    else:
        os.environ[_ENV] = _saved
    for folder in _folder:
        shutil.rmtree(folder, ignore_errors=True)


# -- the fuzz tests' budget (tests/fuzzing.py) -------------------------------------------------

# Added to each fuzz test's share of the budget for its timeout: reducing the first input of
# each new kind of crash, and a slow machine, take this much longer at most.
FUZZ_TIMEOUT_MARGIN_SECONDS = 120


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected: share among what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    fuzz = {item: item.get_closest_marker("fuzz") for item in items}
    weights = {item: float(m.kwargs.get("weight", 1)) for item, m in fuzz.items() if m}
    if not weights:
        return
    import fuzzing

    markexpr = config.getoption("markexpr") or ""
    total = fuzzing.total_seconds(markexpr)
    fuzzing.PLAN.seed = fuzzing.base_seed(markexpr)
    fuzzing.PLAN.long = total >= fuzzing.LONG_INPUTS_FROM_SECONDS
    for item, weight in weights.items():
        seconds = total * weight / sum(weights.values())
        fuzzing.PLAN.shares[item.nodeid] = seconds
        item.add_marker(pytest.mark.timeout(seconds + FUZZ_TIMEOUT_MARGIN_SECONDS))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """How many examples each fuzz test ran, so that a long run can say what it covered."""
    fuzzing = sys.modules.get("fuzzing")
    if fuzzing is None or not fuzzing.PLAN.counts:
        return
    plan = fuzzing.PLAN
    terminalreporter.section("fuzzing")
    for nodeid, count in plan.counts.items():
        terminalreporter.write_line(f"{count:>8} examples in {plan.spent[nodeid]:6.1f} s  {nodeid}")
    total, spent = sum(plan.counts.values()), sum(plan.spent.values())
    terminalreporter.write_line(
        f"{total:>8} examples in {spent:6.1f} s  (seed {plan.seed}; replay: "
        f"{fuzzing.SEED_ENV}={plan.seed}; longer: pytest -m fuzz, {fuzzing.SECONDS_ENV}=N)"
    )


# -- clinic databases: every storage test runs on SQLite and on PostgreSQL ----------------------

PG_ENV = "KINECHECK_TEST_PG"  # an admin URL of a running server (.ci/postgres prints one)
_started: dict[str, str] = {}  # the server this test run started, when it had to


def _pg_admin_url() -> str:
    """The admin URL of a PostgreSQL server: KINECHECK_TEST_PG, else one started for this run.

    The README's test command is plain `pytest`, so the suite starts a throwaway server
    itself (.ci/postgres: the distribution's PostgreSQL on loopback) and stops it at the end.
    Where no server can be started, the PostgreSQL half is skipped, except in CI, where it
    is a failure: the issue wants every storage test on both databases there.
    """
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if "failed" not in _started:
        _start_server()
    if "url" in _started:
        return _started["url"]
    why = f"no PostgreSQL server could be started ({_started['failed']})"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; in CI the clinic tests must run on PostgreSQL too", pytrace=False)
    pytest.skip(f"{why}; set {PG_ENV} to the admin URL of a server to test on one")


def _start_server() -> None:
    import socket
    import subprocess
    from pathlib import Path

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = Path(__file__).resolve().parent.parent / ".ci" / "postgres"
    try:
        done = subprocess.run(
            ["bash", str(script)],
            env={**os.environ, "KINECHECK_TEST_PG_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _started["failed"] = str(exc)
        return
    if done.returncode != 0:
        _started["failed"] = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return
    for line in done.stdout.splitlines():  # export NAME='value'
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = value.strip("'")
        _started[name] = value.strip("'")
    _started["url"] = os.environ[PG_ENV]


def _stop_server() -> None:
    """Stop the server this run started (none when KINECHECK_TEST_PG named one)."""
    import subprocess
    from pathlib import Path

    folder = _started.get("KINECHECK_TEST_PG_DIR")
    if folder:
        script = Path(__file__).resolve().parent.parent / ".ci" / "postgres"
        subprocess.run(
            ["bash", str(script), "stop", folder], capture_output=True, timeout=120, check=False
        )


@pytest.fixture
def pg_url() -> object:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards); its URL."""
    import uuid

    import sqlalchemy as sa

    admin_url = _pg_admin_url()
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"kc_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A new SQLite database file in a private folder of the test's own; its URL."""
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return f"sqlite:///{tmp_path / 'clinic' / 'clinic.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each clinic storage test runs twice: on an SQLite file and on a PostgreSQL database."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))

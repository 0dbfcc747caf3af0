"""Clinic records at scale: finding a client among 10,000, and the cost of keeping each answer.

1. Two databases made through `schema.ensure_current` (the real tables and indexes), filled by
   bulk inserts: 10,000 clients with 100,000 completed sessions, and 100 clients with 1,000;
   every client has the same number of sessions, scattered through the table as time goes,
   each with a real report (`api.assess` of one answer set) and a `session.complete` entry
   in a valid audit chain. On both, the library calls behind `client list --search`,
   `sessions CLIENT` and `progress CLIENT` are timed, each in its own transaction with its
   audit entry as the command runs it (no process start-up). Goal: large/small <= 1.5x.
2. Committing one answer: `sessions.record_answers` with one answer changed, in its own
   `store.transaction()` on the large database, against a bare `sqlite3` INSERT + COMMIT of a
   like row into a table with the same PRAGMAs (WAL, synchronous=FULL), alternating. Goal <= 3x.
3. `--concurrent N` (PostgreSQL): N processes, each with its own client, run an intake of 25
   answers, one transaction each; then every answer, every completed session and the audit
   chain are checked.

Parts 1 and 2 run on SQLite; `--pg` runs them on PostgreSQL too (KINECHECK_TEST_PG, an admin
URL: databases are made and dropped) and runs part 3. Medians of interleaved runs; nothing here
asserts a time.

    python benchmarks/bench_clinic.py                 # SQLite: 10,000 clients, 21 runs
    python benchmarks/bench_clinic.py --pg --concurrent 20
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from kinecheck import api
from kinecheck.clinic import audit, clients, db, schema, sessions
from kinecheck.clinic.progress import progress
from kinecheck.clinic.session_list import sessions_of
from kinecheck.clinic.store import Store, open_store
from kinecheck.clinic.tables import COMPLETED, Answer, AuditEntry, Base, Session
from kinecheck.clinic.words import search_words
from kinecheck.render import renderer

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = "knee-pain"
ANSWER_SET = ROOT / "examples" / "desk-worker.yaml"
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "vin", "dor", "an", "el", "is", "ur")
BATCH = 5_000  # sessions per transaction while building
INTAKE_ANSWERS = 25  # part 3: answers per intake, one transaction each
PG_ENV = "KINECHECK_TEST_PG"


@dataclass(frozen=True)
class Target:
    """The client whose record the timed calls read, and the search that finds them."""

    client_id: int
    search: str


@dataclass(frozen=True)
class Fixture:
    """The definitions, a real answer set and its report JSON, shared by every part."""

    defs: api.Definitions
    answers: dict[str, Any]
    report: str


def fixture() -> Fixture:
    defs = api.load(QUESTIONNAIRE)
    answers = dict(api.check_answers(defs, yaml.safe_load(ANSWER_SET.read_text())).answers)
    return Fixture(defs, answers, renderer("json")(api.assess(defs, answers)))


# -- part 1: building and reading -------------------------------------------------------------


def build(url: str, n_clients: int, per_client: int, fx: Fixture, seed: int) -> Target:
    """Fill a new database with bulk inserts (a transaction per BATCH sessions)."""
    rng = random.Random(seed)
    engine = db.create_engine(db.parse(url))
    schema.ensure_current(engine)
    tables = Base.metadata.tables
    with sa.orm.Session(engine) as orm, orm.begin():
        _, rules_id, _ = file_ids = sessions.store_definitions(orm, fx.defs)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    people: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for cid in range(1, n_clients + 1):
        first = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        last = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        email = f"{first}.{last}{cid}@example.org".lower() if cid % 2 else None
        name = f"{first} {last}"
        people.append(
            {
                "id": cid,
                "name": name,
                "born": None,
                "email": email,
                "phone": None,
                "archived": False,
                "created_at": created,
                "subject": f"{rng.getrandbits(128):032x}",
            }
        )
        words += [{"client_id": cid, "word": w} for w in search_words(name, email)]
    with engine.begin() as connection:
        connection.execute(tables["clients"].insert(), people)
        connection.execute(tables["client_words"].insert(), words)
    order = [cid for cid in range(1, n_clients + 1) for _ in range(per_client)]
    rng.shuffle(order)  # a client's sessions are scattered through the table, as in life
    step = timedelta(days=730) / len(order)
    prev = audit.GENESIS
    for start in range(0, len(order), BATCH):
        rows, results, entries = [], [], []
        for sid in range(start + 1, min(start + BATCH, len(order)) + 1):
            began = created + step * sid
            ended = began + timedelta(minutes=15)
            rows.append(
                {
                    "id": sid,
                    "client_id": order[sid - 1],
                    "questionnaire_file_id": file_ids[0],
                    "rules_file_id": rules_id,
                    "library_file_id": file_ids[2],
                    "status": COMPLETED,
                    "started_at": began,
                    "finished_at": ended,
                    "clinician": "bench",
                }
            )
            results.append(
                {
                    "session_id": sid,
                    "rules_file_id": rules_id,
                    "report": fx.report,
                    "scored_at": ended,
                }
            )
            entry = AuditEntry(
                id=sid,
                at=ended,
                actor="bench",
                action="session.complete",
                subject=people[order[sid - 1] - 1]["subject"],
                session_id=sid,
                detail_sha256=None,
                prev_hash=prev,
            )
            entry.hash = prev = audit.entry_hash(entry)
            entries.append({c.name: getattr(entry, c.key) for c in AuditEntry.__table__.columns})
        with engine.begin() as connection:
            connection.execute(tables["sessions"].insert(), rows)
            connection.execute(tables["results"].insert(), results)
            connection.execute(tables["audit"].insert(), entries)
    with engine.begin() as connection:
        connection.execute(
            tables["audit_head"].insert(), {"id": 1, "last_id": len(order), "last_hash": prev}
        )
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences on
            for table in ("clients", "sessions"):
                connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :last)"),
                    {"last": n_clients if table == "clients" else len(order)},
                )
            connection.execute(sa.text("ANALYZE"))  # what autovacuum does within a minute
    engine.dispose()
    target = people[(n_clients + 1) // 2 - 1]
    return Target(target["id"], str(target["name"]))


def search(store: Store, target: Target) -> None:
    with store.transaction() as tx:
        found = clients.find(tx, store.actor, target.search)
    assert any(view.client.id == target.client_id for view in found)


def listing(store: Store, target: Target) -> None:
    with store.transaction() as tx:
        assert sessions_of(tx, store.actor, target.client_id).sessions


def history(store: Store, target: Target) -> None:
    """What `progress CLIENT` does in its transaction: the progress and its audit entry."""
    with store.transaction() as tx:
        found = progress(tx, target.client_id)
        subject = sessions.get_client(tx, target.client_id).subject
        detail = {"sessions": len(found.sessions)}
        audit.record(tx, store.actor, "progress.read", subject=subject, detail=detail)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def read_times(stores: dict[str, tuple[Store, Target]], runs: int) -> None:
    calls: dict[str, Callable[[Store, Target], None]] = {
        "client list --search": search,
        "sessions CLIENT": listing,
        "progress CLIENT": history,
    }
    times: dict[tuple[str, str], list[float]] = {}
    for round_ in range(runs + 1):  # the first round warms caches and is not counted
        for label, call in calls.items():
            for size, (store, target) in stores.items():
                began = time.perf_counter()
                call(store, target)
                if round_:
                    times.setdefault((label, size), []).append(time.perf_counter() - began)
    print(f"{'library call':<24}{'large ms':>10}{'small ms':>10}{'large/small':>13}  goal <= 1.5x")
    for label in calls:
        large, small = median_ms(times[label, "large"]), median_ms(times[label, "small"])
        print(f"{label:<24}{large:>10.2f}{small:>10.2f}{large / small:>12.2f}x")


# -- part 2: committing one answer --------------------------------------------------------------


def commit_times(store: Store, bare: Callable[[int], None], commits: int) -> None:
    """One answer changed per transaction, alternating with the bare INSERT + COMMIT."""
    with store.transaction() as tx:
        client = clients.add(tx, store.actor, clients.new_client("Bench Commit")).client
        session = sessions.start(tx, store.actor, client, api.load(QUESTIONNAIRE))
    before: dict[str, Any] = {}
    ours, theirs = [], []
    for i in range(commits + 1):
        after = {**before, "pain_level": 3 + i % 2}
        began = time.perf_counter()
        with store.transaction() as tx:  # as the intake's keeper stores an answer
            sessions.record_answers(tx, store.actor, session.id, client.subject, before, after)
        mid = time.perf_counter()
        bare(i)
        end = time.perf_counter()
        if i:
            ours.append(mid - began)
            theirs.append(end - mid)
        before = after
    a, b = median_ms(ours), median_ms(theirs)
    print(f"  record_answers in store.transaction(): {a:8.2f} ms")
    print(f"  bare INSERT + COMMIT:                  {b:8.2f} ms")
    print(f"  ratio {a / b:.2f}x  (goal <= 3x; median of {commits} alternating commits)")


def bare_sqlite(folder: Path) -> Callable[[int], None]:
    """A plain sqlite3 connection with kinecheck's PRAGMAs and an answers-like table."""
    connection = sqlite3.connect(folder / "bare.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys", "secure_delete"):
        connection.execute(f"PRAGMA {pragma}" + (" = ON" if "=" not in pragma else ""))
    connection.execute(
        "CREATE TABLE answers (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, "
        "question VARCHAR(200) NOT NULL, value TEXT, removed BOOLEAN NOT NULL, "
        "given_at DATETIME NOT NULL)"
    )
    connection.execute("CREATE INDEX ix_answers_session ON answers (session_id, id)")

    def insert(i: int) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO answers (session_id, question, value, removed, given_at) "
            "VALUES (?, ?, ?, 0, ?)",
            (1, "pain_level", str(3 + i % 2), datetime.now(UTC).isoformat(" ")),
        )
        connection.execute("COMMIT")

    return insert


def bare_postgres(url: str) -> Callable[[int], None]:
    """The same on PostgreSQL: one INSERT + COMMIT on a plain psycopg connection."""
    import psycopg

    parsed = sa.engine.make_url(url)
    connection = psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    )
    connection.execute(
        "CREATE TABLE bench_bare_answers (id SERIAL PRIMARY KEY, session_id INTEGER NOT NULL, "
        "question VARCHAR(200) NOT NULL, value TEXT, removed BOOLEAN NOT NULL, "
        "given_at TIMESTAMPTZ NOT NULL)"
    )
    connection.commit()
    fsync = connection.execute("SHOW fsync").fetchone()
    if fsync and fsync[0] == "off":
        print("  (this server runs with fsync=off: commits here cost CPU only, not a disk flush)")

    def insert(i: int) -> None:
        connection.execute(
            "INSERT INTO bench_bare_answers (session_id, question, value, removed, given_at) "
            "VALUES (%s, %s, %s, false, now())",
            (1, "pain_level", str(3 + i % 2)),
        )
        connection.commit()

    return insert


# -- part 3: concurrent intakes on PostgreSQL ---------------------------------------------------


def intake(url: str, number: int, barrier: Any) -> None:
    """One intake as `clinic intake` stores it: the session starts with its first answer."""
    fx = fixture()
    steps = list(fx.answers.items())
    while len(steps) < INTAKE_ANSWERS:  # the client changes their mind about the pain
        steps.append(("pain_level", 2 + len(steps) % 5))
    store = open_store(url, f"clinician {number}")
    try:
        with store.transaction() as tx:
            client = clients.add(tx, store.actor, clients.new_client(f"Client {number}")).client
        barrier.wait(timeout=120)
        sid: int | None = None
        before: dict[str, Any] = {}
        for question, value in steps[:INTAKE_ANSWERS]:
            after = {**before, question: value}
            with store.transaction() as tx:
                sid = sid or sessions.start(tx, store.actor, client, fx.defs).id
                sessions.record_answers(tx, store.actor, sid, client.subject, before, after)
            before = after
        assert sid is not None
        with store.transaction() as tx:
            row = sessions.get_session(tx, sid)
            sessions.finish(tx, store.actor, row, client.subject, fx.report)
    finally:
        store.close()


def concurrent(url: str, processes: int) -> None:
    open_store(url).close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    workers = [context.Process(target=intake, args=(url, n, barrier)) for n in range(processes)]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=300)  # every process imported, loaded and added its client
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    failed = [w.exitcode for w in workers if w.exitcode]
    store = open_store(url)
    with store.transaction() as tx:
        stored = tx.scalars(sa.select(Session)).all()
        rows = tx.scalar(sa.select(sa.func.count()).select_from(Answer)) or 0
        verdict = audit.verify(tx)
    store.close()
    completed = sum(s.status == COMPLETED for s in stored)
    expected = processes * INTAKE_ANSWERS
    print(f"  {processes} intakes of {INTAKE_ANSWERS} answers, one transaction each")
    print(f"  wall {wall:.2f} s, {rows / wall:.0f} answers/s")
    print(f"  processes failed: {len(failed)}; sessions completed: {completed}/{processes}")
    print(f"  answer rows: {rows}/{expected}; audit chain: {verdict.entries} entries, ", end="")
    print("intact" if verdict.intact else f"BROKEN: {verdict.problems[:3]}")
    if failed or completed != processes or rows != expected or not verdict.intact:
        print("  SOMETHING WAS LOST")


# -- running ----------------------------------------------------------------------------------


@contextmanager
def pg_database(admin_url: str, label: str) -> Iterator[str]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"kc_bench_{label}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_backend(kind: str, urls: dict[str, str], args: argparse.Namespace, fx: Fixture) -> None:
    sizes = {"large": args.clients, "small": max(1, args.clients // 100)}
    stores: dict[str, tuple[Store, Target]] = {}
    for size, n in sizes.items():
        began = time.perf_counter()
        target = build(urls[size], n, args.per_client, fx, seed=n)
        seconds = time.perf_counter() - began
        print(f"{kind} {size}: {n:,} clients, {n * args.per_client:,} sessions in {seconds:.0f} s")
        stores[size] = (open_store(urls[size], "bench"), target)
    print(f"\n{kind}, part 1: median of {args.runs} interleaved runs")
    read_times(stores, args.runs)
    print(f"\n{kind}, part 2: committing one answer (large database)")
    bare = bare_sqlite(Path(args.folder)) if kind == "SQLite" else bare_postgres(urls["large"])
    commit_times(stores["large"][0], bare, args.commits)
    for store, _ in stores.values():
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=10_000, help="of the large database")
    parser.add_argument("--per-client", type=int, default=10, help="sessions per client")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--pg", action="store_true", help=f"PostgreSQL too ({PG_ENV})")
    parser.add_argument("--concurrent", type=int, default=20, metavar="N", help="part 3")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --pg)")
    args = parser.parse_args()
    admin_url = os.environ.get(PG_ENV)
    if args.pg and not admin_url:
        sys.exit(f"--pg needs {PG_ENV}: an admin URL of a PostgreSQL server")
    fx = fixture()
    print(f"report JSON per session: {len(fx.report):,} bytes\n")
    with tempfile.TemporaryDirectory(prefix="kinecheck-bench-") as folder:
        args.folder = folder
        urls = {size: f"sqlite:///{folder}/{size}/clinic.db" for size in ("large", "small")}
        if not args.no_sqlite:
            run_backend("SQLite", urls, args, fx)
            size_mb = Path(folder, "large", "clinic.db").stat().st_size / 2**20
            print(f"  (the large SQLite file: {size_mb:,.0f} MiB)")
    if not args.pg or admin_url is None:
        return
    print()
    with pg_database(admin_url, "large") as large, pg_database(admin_url, "small") as small:
        run_backend("PostgreSQL", {"large": large, "small": small}, args, fx)
    if args.concurrent > 0:
        print(f"\nPostgreSQL, part 3: {args.concurrent} concurrent intakes")
        with pg_database(admin_url, "concurrent") as url:
            concurrent(url, args.concurrent)


if __name__ == "__main__":
    main()

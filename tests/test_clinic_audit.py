"""`kinecheck clinic audit list|verify`: the log reads back, and a change behind its back shows.

The tampering is done as someone with the database's password would: plain SQL on the tables,
on SQLite and on PostgreSQL alike. `audit verify` must then exit 1 and name the entry.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clinic_records import CLINICIAN, add_client, clinic, completed_session, execute, scalar
from kinecheck.clinic import clients
from kinecheck.clinic.store import open_store


def some_records(url: str) -> None:
    """A few clients read, found, edited and archived: entries with details and without."""
    ana = add_client(url, "Ana Silva", email="ana@example.org")
    bea = add_client(url, "Bea Lopes")
    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        clients.show(db, store.actor, ana)
        clients.find(db, store.actor, "ana")
        clients.edit(db, store.actor, ana, clients.changes(phone="+351 912 000 000"))
        clients.archive(db, store.actor, bea)
        clients.show(db, store.actor, bea)


def entry_id(url: str, action: str, which: str = "min") -> int:
    return int(scalar(url, f"SELECT {which}(id) FROM audit WHERE action = :a", a=action))


def test_the_log_is_intact_after_many_operations(db_url: str) -> None:
    some_records(db_url)
    completed_session(db_url, 1)
    ran = clinic(db_url, "client", "erase", "2", "--yes")
    assert ran.code == 0, ran
    entries = scalar(db_url, "SELECT count(*) FROM audit")
    assert entries > 30
    verified = clinic(db_url, "audit", "verify")
    assert verified.code == 0, verified
    # Bea's add (name) and archive details went with her; her read had no detail
    assert verified.stdout.strip() == (
        f"The audit log is intact: {entries} entries (2 details erased with their clients)."
    )


def test_audit_list_shows_who_did_what_newest_last(db_url: str) -> None:
    some_records(db_url)
    ran = clinic(db_url, "audit", "list", "--limit", "3", "--clinician", "Dr Rui")
    assert ran.code == 0, ran
    lines = ran.stdout.splitlines()
    assert lines[0].split() == ["#", "WHEN", "WHO", "ACTION", "CLIENT", "SESSION", "DETAIL"]
    assert [line.split()[4] for line in lines[1:]] == [
        "client.edit",
        "client.archive",
        "client.read",
    ]
    assert all(line.split()[3] == CLINICIAN for line in lines[1:])
    assert "changed phone" in lines[1]
    assert "archived=true" in lines[2]

    log = clinic(db_url, "audit", "list", "--client", "2", "--format", "json").json()
    assert [e["action"] for e in log] == ["client.add", "client.archive", "client.read"]
    assert [e["id"] for e in log] == sorted(e["id"] for e in log)
    assert all(e["client"] == 2 for e in log)
    # reading the log is itself logged, after the read (so not in what was shown)
    newest = clinic(db_url, "audit", "list", "--limit", "2", "--format", "json").json()
    assert [(e["action"], e["actor"]) for e in newest] == [
        ("audit.read", "Dr Rui"),
        ("audit.read", newest[1]["actor"]),
    ]
    assert newest[1]["client"] == 2

    unknown = clinic(db_url, "audit", "list", "--client", "9")
    assert unknown.code == 2, unknown
    assert "there is no client 9" in unknown.stderr


def change_actor(url: str) -> str:
    target = entry_id(url, "client.read")
    execute(url, "UPDATE audit SET actor = 'someone else' WHERE id = :i", i=target)
    return f"error: entry {target} was changed after it was written"


def delete_a_middle_entry(url: str) -> str:
    target = entry_id(url, "client.read")  # an entry without a detail
    execute(url, "DELETE FROM audit WHERE id = :i", i=target)
    return f"error: entry {target} is missing"


def delete_the_newest_entry(url: str) -> str:
    newest = int(scalar(url, "SELECT max(id) FROM audit"))
    execute(
        url,
        "DELETE FROM audit_details WHERE entry_id = :i",
        "DELETE FROM audit WHERE id = :i",
        i=newest,
    )
    return f"error: the log ends at entry {newest - 1} but its last entry was {newest}"


def change_a_detail(url: str) -> str:
    target = entry_id(url, "client.edit")
    execute(
        url,
        "UPDATE audit_details SET detail = replace(detail, '+351', '+44') WHERE entry_id = :i",
        i=target,
    )
    return f"error: the detail of entry {target} was changed"


def delete_a_detail(url: str) -> str:
    target = entry_id(url, "client.edit")  # hiding an old value: not an erasure
    execute(url, "DELETE FROM audit_details WHERE entry_id = :i", i=target)
    return f"error: the detail of entry {target} was removed"


def rewrite_an_entry_and_its_hash(url: str) -> str:
    """Someone who knows the hash recomputes it: the next entry no longer follows."""
    from kinecheck.clinic.audit import entry_hash
    from kinecheck.clinic.tables import AuditEntry

    target = entry_id(url, "client.read")
    with open_store(url) as store, store.transaction() as db:
        entry = db.get(AuditEntry, target)
        assert entry is not None
        entry.actor = "someone else"
        entry.hash = entry_hash(entry)
    return f"error: entry {target + 1} does not follow the entry before it"


@pytest.mark.parametrize(
    "tamper",
    [
        change_actor,
        delete_a_middle_entry,
        delete_the_newest_entry,
        change_a_detail,
        delete_a_detail,
        rewrite_an_entry_and_its_hash,
    ],
)
def test_tampering_is_found(db_url: str, tamper: Callable[[str], str]) -> None:
    some_records(db_url)
    expected = tamper(db_url)
    ran = clinic(db_url, "audit", "verify")
    assert ran.code == 1, ran
    assert any(line.startswith(expected) for line in ran.stderr.splitlines()), ran
    assert "The audit log is NOT intact" in ran.stderr
    assert ran.stdout == ""


def test_verify_while_others_write_never_reports_a_false_break(db_url: str) -> None:
    # On PostgreSQL each statement of READ COMMITTED saw newer commits: an entry written
    # between reading the entries and the head looked like a removed one (1 run in 5).
    import threading
    import time

    from kinecheck.clinic import audit
    from kinecheck.clinic.store import open_store

    stop = threading.Event()

    def write() -> None:
        with open_store(db_url, "writer") as store:
            while not stop.is_set():
                with store.transaction() as db:
                    audit.record(db, store.actor, "client.list", detail={"count": 0})

    writer = threading.Thread(target=write)
    writer.start()
    verdicts = []
    try:
        with open_store(db_url) as store:
            end = time.monotonic() + 3
            while time.monotonic() < end:
                with store.transaction() as db:
                    verdicts.append(audit.verify(db))
    finally:
        stop.set()
        writer.join()
    assert len(verdicts) > 10
    assert [v.problems for v in verdicts if not v.intact] == []

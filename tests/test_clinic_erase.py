"""`kinecheck clinic client erase ID --yes`: every row of the client goes, the log stays whole.

On SQLite the test then reads the database's own files (clinic.db, -wal, -shm) byte by byte:
nothing of the client may be left in them, not in a free page nor in the write-ahead log.
"""

from __future__ import annotations

from pathlib import Path

from clinic_records import add_client, all_rows, clinic, completed_session, scalar
from kinecheck.clinic import clients
from kinecheck.clinic.erase import erase_client
from kinecheck.clinic.store import open_store

NAME = "Quentin Zarathustra-Pemberton"
OLD_NAME = "Quentin Zarathustra"  # the name before an edit: the audit log kept it
EMAIL = "qz.pemberton@hidden.example"
FREE_TEXT = "Marmalade-Octopus-7731"  # an answer in the person's own words
NOTE = "Lives by the Xylophone Quay"
SECRETS = (NAME, OLD_NAME, EMAIL, FREE_TEXT, NOTE)
KEPT = "Beatriz Lopes-Kept"  # another client, who stays


def make_records(url: str) -> tuple[int, int]:
    """A client with everything (an edit, a session, a free-text answer, a note), and another."""
    client = add_client(url, OLD_NAME, email=EMAIL, born="1970-01-31")
    with open_store(url) as store, store.transaction() as db:
        clients.edit(db, store.actor, client, clients.changes(name=NAME))
        clients.show(db, store.actor, client)
    completed_session(url, client, free_text=FREE_TEXT, note=NOTE)
    other = add_client(url, KEPT)
    completed_session(url, other)
    return client, other


def test_erase_removes_every_row_and_keeps_the_audit_log_whole(db_url: str) -> None:
    client, other = make_records(db_url)
    before = repr(all_rows(db_url))
    assert all(secret in before for secret in SECRETS)

    refused = clinic(db_url, "client", "erase", str(client))
    assert refused.code == 2, refused
    assert "--yes" in refused.stderr and "cannot be undone" in refused.stderr
    assert repr(all_rows(db_url)) == before  # nothing touched

    ran = clinic(db_url, "client", "erase", str(client), "--yes", "--clinician", "Dr Rui")
    assert ran.code == 0, ran
    assert ran.stdout.startswith(f"Erased client {client}: 1 session, ")
    assert "1 report, 1 note, 1 override" in ran.stdout
    if db_url.startswith("postgresql"):
        assert "PostgreSQL: the rows are gone for every query" in ran.stdout
    else:
        assert "nothing of the client can be read from them" in ran.stdout

    rows = all_rows(db_url)
    text = repr(rows)
    for secret in SECRETS:
        assert secret not in text, secret
    assert KEPT in text  # nobody else's record went
    assert rows["clients"] and len(rows["clients"]) == 1
    assert scalar(db_url, "SELECT count(*) FROM sessions WHERE client_id = :c", c=client) == 0
    assert scalar(db_url, "SELECT count(*) FROM sessions WHERE client_id = :c", c=other) == 1
    assert scalar(db_url, "SELECT count(*) FROM client_words WHERE client_id = :c", c=client) == 0

    log = clinic(db_url, "audit", "list", "--format", "json", "--limit", "1000").json()
    tombstone = next(entry for entry in log if entry["action"] == "client.erase")
    assert tombstone["actor"] == "Dr Rui"
    assert tombstone["client"] is None and tombstone["subject"]
    assert tombstone["detail"] is None and not tombstone["detail_erased"]
    about = [entry for entry in log if entry["subject"] == tombstone["subject"]]
    assert {entry["action"] for entry in about} >= {"client.add", "client.edit", "answer"}
    assert all(e["detail"] is None for e in about)  # the details went with the client
    assert all(e["detail_erased"] for e in about if e["action"] == "client.edit")
    assert [e["client"] for e in log if e["action"] == "client.add"][-1] == other

    verified = clinic(db_url, "audit", "verify")
    assert verified.code == 0, verified
    erased = sum(entry["detail_erased"] for entry in about)
    assert f"({erased} details erased with their clients)" in verified.stdout
    assert verified.stdout.startswith("The audit log is intact: ")

    again = clinic(db_url, "client", "erase", str(client), "--yes")
    assert again.code == 2, again
    assert f"there is no client {client}" in again.stderr


def database_bytes(path: Path) -> dict[str, bytes]:
    """The database file, its write-ahead log and shared memory, as they are on disk."""
    files = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    return {f.name: f.read_bytes() for f in files if f.exists()}


def test_nothing_of_an_erased_client_stays_in_the_sqlite_files(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    client, _ = make_records(sqlite_url)
    store = open_store(sqlite_url)
    try:
        with store.transaction() as db:  # leaves the client's pages in the write-ahead log
            clients.show(db, store.actor, client)
            clients.find(db, store.actor, "quentin")
        held = b"".join(database_bytes(path).values())
        for secret in SECRETS:
            assert secret.encode() in held, secret  # the test would see them

        summary = erase_client(store, client)
        assert summary.wiped
        assert (summary.sessions, summary.notes, summary.overrides) == (1, 1, 1)

        # read while this process still holds the database open, then after it closes
        for files in (database_bytes(path), None):
            if files is None:
                store.close()
                files = database_bytes(path)
            assert path.name in files
            for name, data in files.items():
                for secret in SECRETS:
                    for encoded in (secret.encode(), secret.encode("utf-16-le")):
                        assert encoded not in data, (name, secret)
            assert KEPT.encode() in files[path.name]  # the right file was read
    finally:
        store.close()

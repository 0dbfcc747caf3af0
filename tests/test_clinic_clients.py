"""`kinecheck clinic client add|list|show|edit|archive|export`, as a kinesiologist uses them.

Each storage test runs on an SQLite file and on a PostgreSQL database (the `db_url` fixture),
through the real CLI in a subprocess; records a test only needs as a starting point are made
in this process, which is quicker.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from clinic_records import CLINICIAN, add_client, clinic, completed_session
from kinecheck.clinic import clients
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.store import open_store


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [row["id"] for row in rows]


def test_add_list_search_and_show(db_url: str) -> None:
    ran = clinic(db_url, "client", "add", "  Ana   Silva ", "--born", "1980-04-02")
    assert ran.code == 0, ran
    assert ran.stdout.strip() == "Added client 1: Ana Silva"
    ran = clinic(
        db_url,
        "client",
        "add",
        "Zoë Müller-Lüdenscheidt",
        "--email",
        "zoe.m@praxis.example.de",
        "--format",
        "json",
    )
    assert ran.code == 0, ran
    zoe = ran.json()["id"]
    assert ran.json()["email"] == "zoe.m@praxis.example.de"
    anabela = add_client(db_url, "Anabela Costa", phone="+351 912 345 678")

    listed = clinic(db_url, "client", "list")
    assert listed.code == 0, listed
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "BORN", "SESSIONS", "LAST", "SESSION"]
    assert [line.split()[1] for line in lines[1:]] == ["Ana", "Anabela", "Zoë"]  # by name
    assert "1980-04-02" in lines[1]

    ran = clinic(db_url, "client", "list", "--search", "An", "--format", "json")
    assert ran.code == 0, ran
    assert ids(ran.json()) == [1, anabela]  # the start of any word

    def search(text: str) -> list[int]:  # the same search, in this process (quicker)
        with open_store(db_url) as store, store.transaction() as db:
            return [view.client.id for view in clients.find(db, store.actor, text)]

    assert search("SIL an") == [1]  # every word must match
    assert search("zoe") == [zoe]  # accents and case folded
    assert search("LUDEN") == [zoe]  # a word of a hyphenated name
    assert search("zoe.m@praxis") == [zoe]  # the e-mail address
    assert search("praxis.example") == [zoe]
    assert search("silva costa") == []
    assert search("ilva") == []  # the middle of a word is not its start

    shown = clinic(db_url, "client", "show", str(zoe))
    assert shown.code == 0, shown
    assert shown.stdout.splitlines()[0] == f"Client {zoe}: Zoë Müller-Lüdenscheidt"
    assert "zoe.m@praxis.example.de" in shown.stdout
    data = clinic(db_url, "client", "show", str(anabela), "--format", "json").json()
    assert data["name"] == "Anabela Costa"
    assert data["phone"] == "+351 912 345 678"
    assert data["born"] is None
    assert data["sessions"] == 0
    assert data["archived"] is False


def test_list_counts_sessions_and_shows_the_last_date(db_url: str) -> None:
    ana = add_client(db_url, "Ana Silva")
    add_client(db_url, "Bea Lopes")
    completed_session(db_url, ana)
    completed_session(db_url, ana)
    rows = clinic(db_url, "client", "list", "--format", "json").json()
    assert [(row["name"], row["sessions"]) for row in rows] == [("Ana Silva", 2), ("Bea Lopes", 0)]
    assert date.fromisoformat(rows[0]["last_session"][:10]) >= date(2020, 1, 1)
    assert rows[1]["last_session"] is None
    text = clinic(db_url, "client", "show", str(ana)).stdout
    assert "sessions  2 (last " in text


def test_archive_hides_a_client_from_lists_and_keeps_them(db_url: str) -> None:
    ana = add_client(db_url, "Ana Silva")
    bea = add_client(db_url, "Bea Lopes")
    ran = clinic(db_url, "client", "archive", str(ana))
    assert ran.code == 0, ran
    assert ran.stdout.startswith(f"Archived client {ana}: hidden from `client list`")
    assert "No client matches" in clinic(db_url, "client", "list", "-s", "ana").stdout
    everyone = clinic(db_url, "client", "list", "--archived").stdout.splitlines()
    assert [line.split()[1] for line in everyone[1:]] == ["Ana", "Bea"]
    assert everyone[1].split()[-1] == "archived"
    assert everyone[2].split()[-1] != "archived"
    assert clinic(db_url, "client", "archive", str(ana), "--undo").code == 0
    assert ids(clinic(db_url, "client", "list", "-f", "json").json()) == [ana, bea]


def test_edit_keeps_the_old_value_in_the_audit_log(db_url: str) -> None:
    ana = add_client(db_url, "Ana Silva", email="ana@old.example.org", phone="123")
    ran = clinic(
        db_url, "client", "edit", str(ana), "--email", "ana@new.example.org", "--phone", ""
    )
    assert ran.code == 0, ran
    assert ran.stdout.strip() == f"Changed client {ana}: email, phone."
    # found by the new address, no longer by the old one
    found = clinic(db_url, "client", "list", "-s", "new.example", "-f", "json").json()
    assert [(c["id"], c["email"], c["phone"]) for c in found] == [
        (ana, "ana@new.example.org", None)
    ]
    with open_store(db_url) as store, store.transaction() as db:
        assert clients.find(db, store.actor, "old.example") == []

    same = clinic(db_url, "client", "edit", str(ana), "--email", "ana@new.example.org")
    assert same.code == 0, same
    assert "nothing changed" in same.stdout

    log = clinic(db_url, "audit", "list", "--client", str(ana), "--format", "json").json()
    assert log[0]["action"] == "client.add"
    edits = [entry for entry in log if entry["action"] == "client.edit"]
    assert len(edits) == 1  # the edit that changed nothing wrote nothing
    assert edits[0]["detail"] == {
        "old": {"email": "ana@old.example.org", "phone": "123"},
        "new": {"email": "ana@new.example.org", "phone": None},
    }
    text = clinic(db_url, "audit", "list", "--client", str(ana)).stdout
    assert "client.edit" in text and "changed email, phone" in text


def test_reads_and_lists_are_audited_without_the_search_text(db_url: str) -> None:
    ana = add_client(db_url, "Ana Silva")
    clinic(db_url, "client", "list", "--search", "silva", "--clinician", "Dr Rui")
    clinic(db_url, "client", "show", str(ana), "--clinician", "Dr Rui")
    log = clinic(db_url, "audit", "list", "--format", "json").json()
    listing = next(entry for entry in log if entry["action"] == "client.list")
    assert listing["detail"] == {"search": True, "count": 1}
    assert listing["client"] is None
    assert listing["actor"] == "Dr Rui"
    assert "silva" not in json.dumps(listing).lower()
    read = next(entry for entry in log if entry["action"] == "client.read")
    assert (read["client"], read["actor"]) == (ana, "Dr Rui")


def test_an_unknown_client_is_a_clear_message(db_url: str) -> None:
    add_client(db_url, "Ana Silva")
    for command in (["show", "42"], ["edit", "42", "--name", "X"], ["export", "42"]):
        ran = clinic(db_url, "client", *command)
        assert ran.code == 2, ran
        assert ran.stderr.strip() == "error: there is no client 42 (`kinecheck clinic client list`)"
        assert ran.stdout == ""


def test_a_number_beyond_any_id_is_no_client_or_session_not_a_crash(db_url: str) -> None:
    add_client(db_url, "Ana Silva")
    huge = "99999999999999999999"  # beyond what SQLite or PostgreSQL can even compare with
    for command, what in (
        (["client", "show", huge], "client"),
        (["client", "show", "0"], "client"),
        (["sessions", "2147483648"], "client"),
        (["report", huge], "session"),
        (["compare", "1", huge], "session"),
    ):
        ran = clinic(db_url, *command)
        assert ran.code == 2, ran
        assert ran.stderr.startswith(f"error: there is no {what} "), ran
    ran = clinic(db_url, "audit", "list", "--limit", huge)
    assert ran.code == 0, ran


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "   "], "NAME is empty"),
        (["add", "Ana", "--born", "02/04/1980"], "--born: write the date of birth as YYYY-MM-DD"),
        (["add", "Ana", "--born", "2999-01-01"], "--born: the date of birth is in the future"),
        (["add", "Ana", "--email", "ana at example"], "--email: give an address such as"),
        (["add", "Ana", "--phone", "call me"], "--phone: use digits, spaces and"),
        (["edit", "1"], "nothing to change: give at least one of --name"),
    ],
)
def test_invalid_input_is_refused_before_the_database_is_made(
    sqlite_url: str, args: list[str], message: str
) -> None:
    ran = clinic(sqlite_url, "client", *args)
    assert ran.code == 2, ran
    assert ran.stderr.startswith(f"error: {message}"), ran
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "A" * 201}, "NAME is 201 characters long; at most 200"),
        ({"name": "Ana\x1b[2J"}, "NAME holds control characters"),
        ({"born": "1980-02-30"}, "--born: write the date of birth as YYYY-MM-DD"),
        ({"born": "80-02-03"}, "--born: write the date of birth as YYYY-MM-DD"),
        ({"born": "1899-12-31"}, "--born: dates of birth before 1900-01-01"),
        ({"email": "a@b@example.org"}, "--email: give an address such as"),
        ({"email": "ana@localhost"}, "--email: give an address such as"),
        ({"email": "a" * 310 + "@example.org"}, "--email is longer than the 320"),
        ({"phone": "1" * 65}, "--phone is longer than 64"),
        ({"phone": "+-()"}, "--phone: use digits"),
    ],
)
def test_what_is_allowed_is_said(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ClinicError) as raised:
        clients.new_client(**{"name": "Ana", **fields})
    assert str(raised.value).startswith(message)


def test_plain_values_are_accepted_as_people_type_them() -> None:
    new = clients.new_client(
        " Ana  Silva ", born="1900-01-01", email=" ana@mail.example.org ", phone="01.23/45 (6)"
    )
    assert new == clients.NewClient(
        "Ana Silva", date(1900, 1, 1), "ana@mail.example.org", "01.23/45 (6)"
    )
    assert clients.changes(born="", email="", phone="").values == {
        "born": None,
        "email": None,
        "phone": None,
    }


def test_export_holds_the_whole_record(db_url: str, tmp_path: Path) -> None:
    ana = add_client(db_url, "Ana Silva", email="ana@example.org", born="1980-04-02")
    other = add_client(db_url, "Bea Lopes")
    stored = completed_session(db_url, ana, note="Prefers morning sessions.")
    completed_session(db_url, other)
    with open_store(db_url, CLINICIAN) as store, store.transaction() as db:
        clients.edit(db, store.actor, ana, clients.changes(phone="+351 912 000 000"))

    ran = clinic(db_url, "client", "export", str(ana), "--clinician", "Dr Rui")
    assert ran.code == 0, ran
    document = ran.json()
    assert document["format"] == "kinecheck.clinic.export/1"
    assert document["exported_at"]
    assert document["client"]["name"] == "Ana Silva"
    assert document["client"]["email"] == "ana@example.org"
    assert document["client"]["phone"] == "+351 912 000 000"
    [session] = document["sessions"]
    assert session["id"] == stored.session_id
    assert session["status"] == "completed"
    assert session["questionnaire"]["id"] == "knee-pain"
    assert len(session["questionnaire"]["sha256"]) == 64
    assert session["clinician"] == CLINICIAN
    assert session["finished_at"] is not None
    # every answer as it was given, in order: the changes and the one taken back included
    given = session["answers"]
    assert given[0]["question"] == "age" and given[0]["value"] == 40
    assert {"question": "pain_level", "value": None, "removed": True} in [
        {k: a[k] for k in ("question", "value", "removed")} for a in given
    ]
    last = {a["question"]: a["value"] for a in given if not a["removed"]}
    assert last == stored.answers
    assert session["report"]["questionnaire"]["id"] == "knee-pain"
    assert session["report"]["answers"]["age"] == 41
    assert [n["text"] for n in session["notes"]] == ["Prefers morning sessions."]
    assert session["overrides"][0]["reason"] == "Seen in clinic: full range."
    actions = [entry["action"] for entry in document["audit"]]
    for action in ("client.add", "session.start", "answer", "answer.removed"):
        assert action in actions
    for action in ("session.complete", "note.add", "override.add", "client.edit"):
        assert action in actions
    assert actions[-1] == "client.export"
    assert document["audit"][-1]["actor"] == "Dr Rui"
    edit = next(entry for entry in document["audit"] if entry["action"] == "client.edit")
    assert edit["detail"]["old"] == {"phone": None}
    assert "Bea Lopes" not in ran.stdout  # nobody else's record
    assert all(entry["client"] == ana for entry in document["audit"])

    target = tmp_path / "ana.json"
    written = clinic(db_url, "client", "export", str(ana), "--output", str(target))
    assert written.code == 0, written
    assert f"to {target}" in written.stdout
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert json.loads(target.read_text())["client"]["id"] == ana
    again = clinic(db_url, "client", "export", str(ana), "--output", str(target))
    assert again.code == 2, again
    assert "already exists; use --force" in again.stderr

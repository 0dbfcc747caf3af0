"""Clients: add, find, show, edit and archive, each change and each read written to the audit log.

Every function takes the caller's ORM session and writes its audit entry in that same
transaction, so a change and the record of it are kept or lost together. What a person typed
is checked here (`new_client`, `changes`) before any database is opened, with messages that
name the option and say what is allowed. Searching uses `client_words`: each word of the query
must start one of the client's words, a prefix range on an index that stays quick among
10,000 clients where `LIKE '%text%'` would read them all.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import CompoundSelect, Select, delete, func, intersect, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic import audit
from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.sessions import get_client
from kinecheck.clinic.tables import Client, ClientWord, Session, now
from kinecheck.clinic.words import fold, query_words, search_words

MAX_NAME = 200  # the widths of the columns in tables.Client
MAX_EMAIL = 320
MAX_PHONE = 64
EARLIEST_BORN = date(1900, 1, 1)
PHONE_CHARACTERS = frozenset("0123456789 +-()./")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
# Above every character a folded word holds: `word < q + PREFIX_END` ends the range of words
# that start with q, in SQLite's byte order and in PostgreSQL's C and ICU collations alike.
PREFIX_END = "\uffff"
FIELDS = ("name", "born", "email", "phone")  # what `client edit` may change, in this order


@dataclass(frozen=True)
class NewClient:
    """A client's details as checked for `client add`."""

    name: str
    born: date | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Changes:
    """The checked new values of `client edit`: only the fields given (None clears one)."""

    values: dict[str, str | date | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientView:
    """A client with their sessions at a glance, as `client list` and `client show` print it."""

    client: Client
    sessions: int
    last_session: datetime | None


@dataclass(frozen=True)
class Edited:
    """What `edit` changed: the client now, and the names of the fields that changed."""

    client: Client
    changed: list[str]


# -- checking what was typed ------------------------------------------------------------------


def check_name(text: str) -> str:
    """The name without surrounding spaces; ClinicError when empty, too long or with controls."""
    name = " ".join(text.split())
    if not name:
        raise ClinicError("NAME is empty: give the client's name, such as 'Ana Silva'")
    if len(name) > MAX_NAME:
        raise ClinicError(f"NAME is {len(name)} characters long; at most {MAX_NAME} are allowed")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ClinicError("NAME holds control characters; use letters, spaces and punctuation")
    return name


def check_born(text: str) -> date | None:
    """A date of birth from YYYY-MM-DD ('' gives None); ClinicError when it cannot be one."""
    text = text.strip()
    if not text:
        return None
    try:
        born = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        born = None
    if born is None:
        raise ClinicError("--born: write the date of birth as YYYY-MM-DD, such as 1980-04-02")
    if born > now().date():
        raise ClinicError("--born: the date of birth is in the future; write it as YYYY-MM-DD")
    if born < EARLIEST_BORN:
        raise ClinicError(f"--born: dates of birth before {EARLIEST_BORN} are not accepted")
    return born


def check_email(text: str) -> str | None:
    """An e-mail address ('' gives None); ClinicError unless it looks like name@domain.tld."""
    email = text.strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL:
        raise ClinicError(f"--email is longer than the {MAX_EMAIL} characters an address may be")
    if not _EMAIL.fullmatch(email):
        raise ClinicError("--email: give an address such as ana@example.org (one @, no spaces)")
    return email


def check_phone(text: str) -> str | None:
    """A phone number ('' gives None); ClinicError for letters or other characters."""
    phone = " ".join(text.split())
    if not phone:
        return None
    if len(phone) > MAX_PHONE:
        raise ClinicError(f"--phone is longer than {MAX_PHONE} characters")
    if not set(phone) <= PHONE_CHARACTERS or not any(ch.isdigit() for ch in phone):
        raise ClinicError(
            "--phone: use digits, spaces and + - ( ) . / only, such as '+351 912 345 678'"
        )
    return phone


def new_client(
    name: str, born: str | None = None, email: str | None = None, phone: str | None = None
) -> NewClient:
    """Check what `client add` was given (before any database is opened)."""
    return NewClient(
        name=check_name(name),
        born=check_born(born) if born is not None else None,
        email=check_email(email) if email is not None else None,
        phone=check_phone(phone) if phone is not None else None,
    )


def changes(
    name: str | None = None,
    born: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Changes:
    """Check what `client edit` was given: at least one field; '' clears all but the name."""
    values: dict[str, str | date | None] = {}
    if name is not None:
        values["name"] = check_name(name)
    if born is not None:
        values["born"] = check_born(born)
    if email is not None:
        values["email"] = check_email(email)
    if phone is not None:
        values["phone"] = check_phone(phone)
    if not values:
        raise ClinicError(
            "nothing to change: give at least one of --name, --born, --email or --phone "
            "(--born '', --email '' or --phone '' clears one)"
        )
    return Changes(values)


# -- the records ------------------------------------------------------------------------------


def add(db: DbSession, actor: str, new: NewClient) -> ClientView:
    """Add a client (and the words they are found by); the audit entry holds what was given."""
    client = Client(
        name=new.name,
        born=new.born,
        email=new.email,
        phone=new.phone,
        archived=False,
        created_at=now(),
        subject=secrets.token_hex(16),
    )
    db.add(client)
    db.flush()
    _index_words(db, client)
    given = {k: _plain(getattr(new, k)) for k in FIELDS if getattr(new, k) is not None}
    audit.record(db, actor, "client.add", subject=client.subject, detail=given)
    return ClientView(client, 0, None)


def edit(db: DbSession, actor: str, client_id: int, new: Changes) -> Edited:
    """Change the fields given; the audit entry keeps the old and new value of each change.

    Nothing is written when every value given is the one already kept.
    """
    client = get_client(db, client_id)
    old: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    for name in FIELDS:
        if name in new.values and getattr(client, name) != new.values[name]:
            old[name] = _plain(getattr(client, name))
            changed[name] = _plain(new.values[name])
            setattr(client, name, new.values[name])
    if not changed:
        return Edited(client, [])
    if "name" in changed or "email" in changed:
        db.execute(delete(ClientWord).where(ClientWord.client_id == client.id))
        _index_words(db, client)
    audit.record(
        db, actor, "client.edit", subject=client.subject, detail={"old": old, "new": changed}
    )
    return Edited(client, list(changed))


def archive(db: DbSession, actor: str, client_id: int, *, archived: bool = True) -> bool:
    """Hide a client from lists (or show them again); False when it was so already."""
    client = get_client(db, client_id)
    if client.archived == archived:
        return False
    client.archived = archived
    audit.record(db, actor, "client.archive", subject=client.subject, detail={"archived": archived})
    return True


def show(db: DbSession, actor: str, client_id: int) -> ClientView:
    """One client's record with their sessions at a glance; the read is audited."""
    client = get_client(db, client_id)
    count, last = db.execute(
        select(func.count(Session.id), func.max(Session.started_at)).where(
            Session.client_id == client.id
        )
    ).one()
    audit.record(db, actor, "client.read", subject=client.subject)
    return ClientView(client, int(count), last)


def find(
    db: DbSession, actor: str, search: str | None = None, *, archived: bool = False
) -> list[ClientView]:
    """The clients (archived ones too if asked), or those every word of `search` finds.

    Sorted by name, accents and case aside. The audit entry says whether there was a search
    and how many were found, never what was searched: a search is often a name.
    """
    query = select(Client, _session_count(), _last_session())
    if search is not None:
        words = query_words(search)
        if not words:
            raise ClinicError("--search: give at least one letter or digit of a name or e-mail")
        query = query.where(Client.id.in_(_matching(words)))
    if not archived:
        query = query.where(Client.archived.is_(False))
    found = [ClientView(client, int(count), last) for client, count, last in db.execute(query)]
    found.sort(key=lambda view: (fold(view.client.name), view.client.id))
    audit.record(
        db, actor, "client.list", detail={"search": search is not None, "count": len(found)}
    )
    return found


def as_json(view: ClientView) -> dict[str, Any]:
    """A client as `--format json` prints it (dates in ISO 8601, times in UTC)."""
    client = view.client
    return {
        "id": client.id,
        "name": client.name,
        "born": _plain(client.born),
        "email": client.email,
        "phone": client.phone,
        "archived": client.archived,
        "added": _plain(client.created_at),
        "sessions": view.sessions,
        "last_session": _plain(view.last_session),
    }


def _matching(words: list[str]) -> Select[int] | CompoundSelect[int]:
    """The ids of clients with a word starting with each of `words` (through the index)."""
    selects = [
        select(ClientWord.client_id).where(
            ClientWord.word >= word, ClientWord.word < word + PREFIX_END
        )
        for word in words
    ]
    return selects[0] if len(selects) == 1 else intersect(*selects)


def _session_count() -> Any:
    """How many sessions the client has (one index range per client, never a scan)."""
    return select(func.count(Session.id)).where(Session.client_id == Client.id).scalar_subquery()


def _last_session() -> Any:
    """When the client's latest session started (the end of their index range)."""
    return (
        select(func.max(Session.started_at)).where(Session.client_id == Client.id).scalar_subquery()
    )


def _index_words(db: DbSession, client: Client) -> None:
    db.add_all(
        ClientWord(client_id=client.id, word=word)
        for word in search_words(client.name, client.email)
    )


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates and times in ISO 8601."""
    return value.isoformat() if isinstance(value, date | datetime) else value

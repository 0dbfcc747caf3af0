"""The append-only audit log: every change to a client's record, and every read of it.

Each entry's hash covers the one before it, so a changed, inserted or removed entry breaks
the chain and `kinecheck clinic audit verify` finds it; `audit_head` holds the last entry, so
removing the newest entries is found as well. An entry's detail (an edit's old values, say)
is kept apart and covered by its salted hash only: erasing a client deletes the details about
them and leaves the chain whole, each entry then naming only a random `subject` token.
Never put an answer in a detail: the log says which question was answered, not how.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic.tables import AuditDetail, AuditEntry, AuditHead, insert_if_absent, now

GENESIS = "0" * 64  # the hash the first entry follows
# The tables themselves, for the Core statements of `record`
_ENTRIES = AuditEntry.metadata.tables[AuditEntry.__tablename__]
_DETAILS = AuditDetail.metadata.tables[AuditDetail.__tablename__]
_HEAD = AuditHead.metadata.tables[AuditHead.__tablename__]
# The statements of `record`, built once: building and keying a statement costs SQLAlchemy
# more than running it (about 0.1 ms each, measured in benchmarks/bench_clinic.py part 2).
_READ_HEAD = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
_LOCK_HEAD = _READ_HEAD.with_for_update()
_INSERT_ENTRY = _ENTRIES.insert()
_INSERT_DETAIL = _DETAILS.insert()
_MOVE_HEAD = (
    _HEAD.update()
    .where(_HEAD.c.id == 1)
    .values(last_id=bindparam("new_id"), last_hash=bindparam("new_hash"))
)
ERASED = "client.erase"  # the tombstone of an erased client: their entries' details went too


def _digest(values: list[Any]) -> str:
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


# The fields an entry's hash covers, in order: every column but the hash itself.
HASHED = ("id", "at", "actor", "action", "subject", "session_id", "detail_sha256", "prev_hash")


def chain_hash(fields: dict[str, Any]) -> str:
    """The hash of an entry's fields (HASHED) and so of the entry before it."""
    values = [fields[name] for name in HASHED]
    values[1] = values[1].isoformat(timespec="microseconds")
    return _digest(values)


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry read back should carry."""
    return chain_hash({name: getattr(entry, name) for name in HASHED})


@dataclass(frozen=True)
class Written:
    """An entry just appended: its id (the tombstone of an erasure names it), time and hash."""

    id: int
    at: datetime
    hash: str


def record(
    db: DbSession,
    actor: str,
    action: str,
    *,
    subject: str | None = None,
    session_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> Written:
    """Append one entry in the caller's transaction (it is kept only if that commits).

    The head row is locked (PostgreSQL: FOR UPDATE; SQLite: the transaction holds the write
    lock already), so entries get consecutive ids and one chain, whoever writes at once.
    The rows are written with Core statements on the transaction's connection rather than
    through the ORM's unit of work, which costs about three times the CPU: every answer of
    an intake is committed with an entry (benchmarks/bench_clinic.py, part 2).
    """
    connection = db.connection()
    head = _locked_head(connection)
    if head is None:  # the very first entry: two first writers must not both insert the head
        insert_if_absent(db, AuditHead, {"id": 1, "last_id": 0, "last_hash": GENESIS})
        head = _locked_head(connection)
        assert head is not None
    last_id, last_hash = head
    detail_text = detail_sha = None
    if detail is not None:
        salted = {"salt": secrets.token_hex(16), **detail}
        detail_text = json.dumps(salted, sort_keys=True, ensure_ascii=False, default=str)
        detail_sha = hashlib.sha256(detail_text.encode()).hexdigest()
    fields: dict[str, Any] = {
        "id": last_id + 1,
        "at": now(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "session_id": session_id,
        "detail_sha256": detail_sha,
        "prev_hash": last_hash,
    }
    written = Written(fields["id"], fields["at"], chain_hash(fields))
    connection.execute(_INSERT_ENTRY, {**fields, "hash": written.hash})
    if detail_text is not None:  # after its entry: the detail's foreign key
        connection.execute(_INSERT_DETAIL, {"entry_id": written.id, "detail": detail_text})
    connection.execute(_MOVE_HEAD, {"new_id": written.id, "new_hash": written.hash})
    return written


def _locked_head(connection: Connection) -> tuple[int, str] | None:
    """The last entry's id and hash, the row locked until the transaction ends."""
    row = connection.execute(_LOCK_HEAD).one_or_none()
    return None if row is None else (row.last_id, row.last_hash)


@dataclass
class Verdict:
    """What `verify` found: how many entries, and every break in the chain."""

    entries: int = 0
    details_erased: int = 0  # entries whose detail went with an erased client (expected)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when nothing was changed, inserted or removed."""
        return not self.problems


def verify(db: DbSession, batch: int = 5_000) -> Verdict:
    """Walk the chain from the first entry, checking ids, hashes, details and the head.

    Call it first in its transaction. On PostgreSQL it then reads one snapshot (REPEATABLE
    READ): under the default READ COMMITTED each statement sees the latest commits, and a
    clinician's entry committed between reading the entries and the head looked like a
    removed entry. SQLite's transaction holds the write lock, which is one snapshot already.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    verdict = Verdict()
    # a detail may be missing only where its client was erased; anywhere else it was removed
    erased = set(
        db.execute(select(AuditEntry.subject).where(AuditEntry.action == ERASED)).scalars()
    )
    expected_id, prev = 1, GENESIS
    last_id = 0
    while True:
        rows = db.execute(
            select(AuditEntry, AuditDetail.detail)
            .outerjoin(AuditDetail, AuditDetail.entry_id == AuditEntry.id)
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry, detail in rows:
            verdict.entries += 1
            if entry.id != expected_id:
                verdict.problems.append(
                    f"entry {expected_id} is missing"
                    if entry.id == expected_id + 1
                    else f"entries {expected_id} to {entry.id - 1} are missing"
                    if entry.id > expected_id
                    else f"entry {entry.id} is out of order"
                )
            if entry.prev_hash != prev:
                verdict.problems.append(f"entry {entry.id} does not follow the entry before it")
            if entry_hash(entry) != entry.hash:
                verdict.problems.append(f"entry {entry.id} was changed after it was written")
            if detail is None and entry.detail_sha256 is not None:
                if entry.subject is not None and entry.subject in erased:
                    verdict.details_erased += 1
                else:
                    verdict.problems.append(f"the detail of entry {entry.id} was removed")
            elif detail is not None and (
                hashlib.sha256(detail.encode()).hexdigest() != entry.detail_sha256
            ):
                verdict.problems.append(f"the detail of entry {entry.id} was changed")
            expected_id, prev = entry.id + 1, entry.hash
            last_id = entry.id
    head = db.execute(_READ_HEAD).first()
    head_id, head_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if (head_id, head_hash) != (last_id, prev):
        verdict.problems.append(
            f"the log ends at entry {last_id} but its last entry was {head_id}: "
            "the newest entries were removed or the head was changed"
        )
    return verdict

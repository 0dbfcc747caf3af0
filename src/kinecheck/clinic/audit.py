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
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic.tables import AuditDetail, AuditEntry, AuditHead, insert_if_absent, now

GENESIS = "0" * 64  # the hash the first entry follows
# The tables themselves, for the Core statements of `record`
_ENTRIES = AuditEntry.metadata.tables[AuditEntry.__tablename__]
_DETAILS = AuditDetail.metadata.tables[AuditDetail.__tablename__]
_HEAD = AuditHead.metadata.tables[AuditHead.__tablename__]
ERASED = "client.erase"  # the tombstone of an erased client: their entries' details went too


def _digest(values: list[Any]) -> str:
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's fields and of the entry before it."""
    return _digest(
        [
            entry.id,
            entry.at.isoformat(timespec="microseconds"),
            entry.actor,
            entry.action,
            entry.subject,
            entry.session_id,
            entry.detail_sha256,
            entry.prev_hash,
        ]
    )


def record(
    db: DbSession,
    actor: str,
    action: str,
    *,
    subject: str | None = None,
    session_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
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
    entry = AuditEntry(
        id=last_id + 1,
        at=now(),
        actor=actor,
        action=action,
        subject=subject,
        session_id=session_id,
        detail_sha256=detail_sha,
        prev_hash=last_hash,
    )
    entry.hash = entry_hash(entry)
    connection.execute(_ENTRIES.insert(), {c.key: getattr(entry, c.key) for c in _ENTRIES.c})
    if detail_text is not None:  # after its entry: the detail's foreign key
        connection.execute(_DETAILS.insert(), {"entry_id": entry.id, "detail": detail_text})
    connection.execute(
        _HEAD.update().where(_HEAD.c.id == 1), {"last_id": entry.id, "last_hash": entry.hash}
    )
    return entry


def _locked_head(connection: Connection) -> tuple[int, str] | None:
    """The last entry's id and hash, the row locked until the transaction ends."""
    row = connection.execute(
        select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
    ).one_or_none()
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
    """Walk the chain from the first entry, checking ids, hashes, details and the head."""
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
    head = db.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).first()
    head_id, head_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    if (head_id, head_hash) != (last_id, prev):
        verdict.problems.append(
            f"the log ends at entry {last_id} but its last entry was {head_id}: "
            "the newest entries were removed or the head was changed"
        )
    return verdict

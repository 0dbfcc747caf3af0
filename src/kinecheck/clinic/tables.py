"""The rows a clinic database keeps (SQLAlchemy 2 declarative models).

Migrations (`kinecheck.clinic.migrations`) create these tables; a test holds the two equal, so a
column added here without a migration fails the suite. Answers and reports are stored as JSON
text, exactly as the engine made them, and never parsed by the database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as DbSession

# The largest id an Integer column holds on both databases (PostgreSQL's is 32-bit): a number
# beyond it names no client or session (and SQLite cannot even bind past 2**63 - 1).
ID_MAX = 2**31 - 1
IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC: SQLite keeps no time zone, so it is put back on when read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse a moment without a time zone; store it in UTC."""
        if value is not None and value.tzinfo is None:
            raise ValueError("a naive datetime would be stored without its time zone")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Put UTC back on what SQLite returns without a zone."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def now() -> datetime:
    """The current moment in UTC, to the microsecond (the order of rows written together)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The tables of a clinic database."""


def insert_if_absent(db: DbSession, model: type[Base], values: dict[str, Any]) -> None:
    """Insert a row unless one with the same unique key is there already.

    For a row two writers may both find missing at the same moment (the audit head, a
    definition file): on PostgreSQL the later insert waits for the first to commit, then does
    nothing, where a plain INSERT would fail that writer's whole transaction.
    """
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.execute(pg_insert(model).values(values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        db.execute(sqlite_insert(model).values(values).on_conflict_do_nothing())


class DefinitionFile(Base):
    """A questionnaire, rules or exercise file as used for a session: never changed once stored.

    Kept whole so that any session can be shown, compared and scored again years later, after
    the files on disk have moved on.
    """

    __tablename__ = "definition_files"
    __table_args__ = (UniqueConstraint("kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # questionnaire | rules | exercises
    ref_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class Client(Base):
    """A person the clinic assesses. `subject` names them in the audit log, and outlives them."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    born: Mapped[date | None] = mapped_column(Date, nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A random token: the audit log says "client 3f9a…", which means nothing once erased.
    subject: Mapped[str] = mapped_column(String(32), unique=True)


class ClientWord(Base):
    """Each word of a client's name and e-mail, lower-cased: `client list --search` seeks here.

    A prefix range on an index answers a search among 10,000 clients as fast as among 100,
    where `LIKE '%text%'` would read every row.
    """

    __tablename__ = "client_words"
    __table_args__ = (Index("ix_client_words_word", "word", "client_id"),)

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(String(200), primary_key=True)


class Session(Base):
    """One run of a questionnaire with a client: in progress until scored, then completed."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_client_started", "client_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    questionnaire_file_id: Mapped[int] = mapped_column(ForeignKey("definition_files.id"))
    rules_file_id: Mapped[int] = mapped_column(ForeignKey("definition_files.id"))
    library_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("definition_files.id"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16))  # IN_PROGRESS | COMPLETED
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clinician: Mapped[str] = mapped_column(String(200))


class Answer(Base):
    """One answer as it was given, in order: a later row for the same question replaces it.

    `removed` marks an answer taken back (the person went back, or a change means the question
    no longer applies). The session's answers are the last row of each question.
    """

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_session", "session_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON; None when removed
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Result(Base):
    """The scored session: the report JSON (the contract) and the rules it was scored with."""

    __tablename__ = "results"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    rules_file_id: Mapped[int] = mapped_column(ForeignKey("definition_files.id"))
    report: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Note(Base):
    """A clinician's note on a session, kept beside the computed result."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_session", "session_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    clinician: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Override(Base):
    """A clinician's own level for a finding, with the reason: shown beside, never instead of."""

    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_session", "session_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    finding: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    clinician: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One line of the append-only audit log, chained to the one before by its hash.

    What the entry is about in detail (old values of an edit, say) lives in `AuditDetail`,
    which the chain covers by hash only: erasing a client deletes their details and leaves
    the chain whole, with `subject` a token that names no one once the client is gone.
    """

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_subject", "subject", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(32), nullable=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no FK: outlives it
    detail_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditDetail(Base):
    """The detail of an audit entry (JSON with a random salt, so its hash reveals nothing)."""

    __tablename__ = "audit_details"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit.id"), primary_key=True)
    detail: Mapped[str] = mapped_column(Text)


class AuditHead(Base):
    """The last entry of the chain (one row): removing the newest entries is detected too.

    Writers lock this row, so entries get consecutive ids even with many clinicians at once.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))

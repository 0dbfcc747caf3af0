"""The first clinic schema: clients, sessions, answers, results, notes, overrides, audit.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision (kinecheck never downgrades: an older kinecheck refuses instead)."""
    op.create_table(
        "definition_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "sha256"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("born", sa.Date, nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("subject", sa.String(32), nullable=False, unique=True),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "questionnaire_file_id",
            sa.Integer,
            sa.ForeignKey("definition_files.id"),
            nullable=False,
        ),
        sa.Column(
            "rules_file_id", sa.Integer, sa.ForeignKey("definition_files.id"), nullable=False
        ),
        sa.Column(
            "library_file_id", sa.Integer, sa.ForeignKey("definition_files.id"), nullable=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("clinician", sa.String(200), nullable=False),
    )
    op.create_index("ix_sessions_client_started", "sessions", ["client_id", "started_at"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("given_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_answers_session", "answers", ["session_id", "id"])
    op.create_table(
        "results",
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "rules_file_id", sa.Integer, sa.ForeignKey("definition_files.id"), nullable=False
        ),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("scored_at", UTC_TIME, nullable=False),
    )
    for name in ("notes", "overrides"):
        columns: list[sa.Column[Any]] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "session_id",
                sa.Integer,
                sa.ForeignKey("sessions.id", ondelete="CASCADE"),
                nullable=False,
            ),
        ]
        if name == "notes":
            columns.append(sa.Column("text", sa.Text, nullable=False))
        else:
            columns += [
                sa.Column("finding", sa.String(200), nullable=False),
                sa.Column("level", sa.String(32), nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
            ]
        columns += [
            sa.Column("clinician", sa.String(200), nullable=False),
            sa.Column("at", UTC_TIME, nullable=False),
        ]
        op.create_table(name, *columns)
        op.create_index(f"ix_{name}_session", name, ["session_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(32), nullable=True),
        sa.Column("session_id", sa.Integer, nullable=True),
        sa.Column("detail_sha256", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_subject", "audit", ["subject", "id"])
    op.create_table(
        "audit_details",
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("audit.id"), primary_key=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )

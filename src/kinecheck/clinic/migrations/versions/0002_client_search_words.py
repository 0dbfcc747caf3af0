"""Search clients by the words of their name and e-mail through an index (client_words).

The first schema searched with LIKE '%text%', which reads every client. Existing clients'
words are filled in here, so a database of the first schema finds them after the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision (kinecheck never downgrades: an older kinecheck refuses instead)."""
    words = op.create_table(
        "client_words",
        sa.Column(
            "client_id",
            sa.Integer,
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("word", sa.String(200), primary_key=True),
    )
    op.create_index("ix_client_words_word", "client_words", ["word", "client_id"])
    from kinecheck.clinic.words import search_words

    clients = sa.table(
        "clients", sa.column("id", sa.Integer), sa.column("name"), sa.column("email")
    )
    rows = op.get_bind().execute(sa.select(clients.c.id, clients.c.name, clients.c.email))
    filled = [
        {"client_id": cid, "word": word}
        for cid, name, email in rows
        for word in search_words(name, email)
    ]
    if filled:
        op.bulk_insert(words, filled)

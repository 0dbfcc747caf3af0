"""Alembic's entry point: migrate on the connection `kinecheck.clinic.schema` hands over.

kinecheck runs the migrations itself when a database is opened (no alembic.ini, no URL here),
inside the transaction that holds the database's write lock.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()

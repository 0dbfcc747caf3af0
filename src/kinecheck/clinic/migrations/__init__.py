"""Alembic migrations of the clinic database, run by `kinecheck.clinic.schema` when opened."""

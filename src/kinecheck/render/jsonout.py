"""The JSON report of contract.md (schema_version 1)."""

from __future__ import annotations

from kinecheck.models.report import Report


def to_bytes(report: Report) -> bytes:
    """Compact JSON, one line (the JSON Lines form)."""
    return report.model_dump_json().encode()


def render(report: Report) -> str:
    """Indented JSON for files and people."""
    return report.model_dump_json(indent=2) + "\n"

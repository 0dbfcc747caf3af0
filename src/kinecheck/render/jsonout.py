"""The JSON report of contract.md (schema_version 1).

`render` is what `kinecheck assess --format json` prints. A JSON Lines batch line is the same
JSON without the indentation, `to_bytes(report)`; batch scoring writes those bytes without
building the models (`kinecheck.assess.Assessor.to_json`), and tests/test_batch_equivalence.py
holds the two byte for byte equal.
"""

from __future__ import annotations

from kinecheck.models.report import Report


def to_bytes(report: Report) -> bytes:
    """Compact JSON, one line (the JSON Lines form)."""
    return report.model_dump_json().encode()


def render(report: Report) -> str:
    """Indented JSON for files and people."""
    return report.model_dump_json(indent=2) + "\n"

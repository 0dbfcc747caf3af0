"""The JSON report of contract.md (schema_version 1).

`render` is what `kinecheck assess --format json` prints. A JSON Lines batch line is the same
JSON without the indentation (`to_bytes`), or an error record `{"line": N, "errors": [...]}`
for a line whose answers were invalid (`jsonl_record`). A report is written as its contract
fields (`report.contract_fields`): `scores` only when the rules declare scores, and never the
wording meant for people.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import orjson

from kinecheck.scoring.batch import LineResult
from kinecheck.scoring.report import Report, contract_fields


def dumps(data: Any, *, indent: bool = False) -> bytes:
    """JSON bytes of plain data or report dataclasses (fields in declared order).

    orjson refuses integers beyond 64 bits (a clinic's range may allow them); the standard
    library writes the same JSON for those, only slower.
    """
    if isinstance(data, Report):
        data = contract_fields(data)
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError:
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            data = dataclasses.asdict(data)
        separators = (",", ": ") if indent else (",", ":")
        text = json.dumps(
            data,
            ensure_ascii=False,
            indent=2 if indent else None,
            separators=separators,
            default=dataclasses.asdict,  # the report's parts, inside its contract fields
        )
        return text.encode()


def to_bytes(report: Report) -> bytes:
    """Compact JSON, one line (the JSON Lines form)."""
    return dumps(report)


def render(report: Report) -> str:
    """Indented JSON for files and people."""
    return dumps(report, indent=True).decode() + "\n"


def jsonl_record(result: LineResult) -> bytes:
    """One output line of a batch, newline included."""
    if result.report is not None:
        return to_bytes(result.report) + b"\n"
    errors = [p.as_dict() for p in result.problems]
    return dumps({"line": result.number, "errors": errors}) + b"\n"

"""Where questionnaires live: folders on KINECHECK_PATH first, then the ones bundled with kinecheck.

Each root holds `questionnaires/<id>.yaml` and `rules/<id>.yaml`, so a clinic adds its own
questionnaire by pointing KINECHECK_PATH at a folder, without touching the package.
"""

from __future__ import annotations

import os
from pathlib import Path

from kinecheck.errors import InputError, did_you_mean
from kinecheck.records import Record, record

DEFINITION_SUFFIXES = (".yaml", ".yml", ".json")  # what a definition (or answers) file may be
# Example cases (`kinecheck check`) live in folders of this name, beside the rules: never
# definitions, so `kinecheck validate` skips them.
CASES_FOLDER = "cases"


def bundled_root() -> Path:
    """The folder holding the bundled definitions (inside the wheel, or the source checkout)."""
    package = Path(__file__).resolve().parent.parent  # src/kinecheck, or site-packages/kinecheck
    packaged = package / "bundled"
    return packaged if packaged.is_dir() else package.parent.parent


def search_roots() -> list[Path]:
    """KINECHECK_PATH folders (in order), then the bundled root."""
    extra = [Path(p) for p in os.environ.get("KINECHECK_PATH", "").split(os.pathsep) if p]
    return [*extra, bundled_root()]


def questionnaire_files() -> dict[str, Path]:
    """Every questionnaire file by id (its file name), earlier roots winning."""
    found: dict[str, Path] = {}
    for root in search_roots():
        folder = root / "questionnaires"
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in DEFINITION_SUFFIXES and path.stem not in found:
                    found[path.stem] = path
    return found


def looks_like_path(name: str) -> bool:
    """True when the user named a file rather than a questionnaire id."""
    return (
        os.sep in name or "/" in name or name.endswith(DEFINITION_SUFFIXES) or Path(name).is_file()
    )


def resolve(name: str) -> Path:
    """The questionnaire file for an id or a path; a clear error with a suggestion otherwise."""
    if looks_like_path(name):
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file")
        return path
    files = questionnaire_files()
    if name in files:
        return files[name]
    hint = did_you_mean(name, files)
    known = ", ".join(sorted(files)) or "none"
    raise InputError(
        f"unknown questionnaire '{name}'"
        + (f"; {hint}" if hint else "")
        + f" (available: {known}; `kinecheck list` shows them)"
    )


@record
class Entry(Record):
    """One questionnaire as `kinecheck list` shows it."""

    id: str
    title: str
    version: str
    path: Path

"""Which questionnaire `kinecheck take` (and `api.load()`) use when none is named.

Data, not code: `questionnaires/default.txt` in the bundled folder names it, so the engine
holds no questionnaire's id and a build that bundles another questionnaire changes one line
of data. Read once, at most a few bytes: `kinecheck take` reads it before its first question.
"""

from __future__ import annotations

import functools

from kinecheck.definitions.catalog import DEFINITION_SUFFIXES, bundled_root

DEFAULT_FILE = "default.txt"  # beside the bundled questionnaires; its first line is the id


@functools.cache
def default_questionnaire() -> str:
    """The id named in the bundled `questionnaires/default.txt`.

    Without that file (a trimmed install), the first bundled questionnaire by name; with
    none at all, the empty string, which `catalog.resolve` reports as an unknown id.
    """
    folder = bundled_root() / "questionnaires"
    try:
        named = (folder / DEFAULT_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        named = []
    if named:
        return named[0]
    try:
        bundled = sorted(p.stem for p in folder.iterdir() if p.suffix in DEFINITION_SUFFIXES)
    except OSError:
        bundled = []
    return bundled[0] if bundled else ""

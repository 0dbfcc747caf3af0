"""Where kinecheck keeps a person's own files (saved quiz sessions): one home for that rule."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "KINECHECK_DATA_DIR"


def data_dir() -> Path:
    """KINECHECK_DATA_DIR, else the platform's user data folder (~/.local/share/kinecheck)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("kinecheck", appauthor=False))

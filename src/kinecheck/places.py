"""Where kinecheck keeps files: a person's own data, and caches it can always rebuild."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_DIR_ENV = "KINECHECK_DATA_DIR"
CACHE_DIR_ENV = "KINECHECK_CACHE_DIR"


def data_dir() -> Path:
    """Where kinecheck keeps a person's own files (KINECHECK_DATA_DIR, else the platform's)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("kinecheck", appauthor=False))


def cache_dir() -> Path:
    """Where rebuildable caches go.

    KINECHECK_CACHE_DIR; else `cache` under KINECHECK_DATA_DIR when that is set (so a test or
    a clinic keeps everything in one folder); else the platform's cache folder. OSError when
    there is none (no home folder).
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    if os.environ.get(DATA_DIR_ENV):
        return data_dir() / "cache"
    if sys.platform.startswith("linux"):  # the XDG rule, without importing platformdirs (~4 ms)
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):  # no HOME and no passwd entry (some containers)
            raise OSError("there is no home folder to keep a cache in")
        return Path(base) / "kinecheck"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kinecheck", appauthor=False))

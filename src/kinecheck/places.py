"""Where kinecheck keeps files: a person's own (saved sessions), and a cache it can rebuild."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_DIR_ENV = "KINECHECK_DATA_DIR"
CACHE_DIR_ENV = "KINECHECK_CACHE_DIR"


def data_dir() -> Path:
    """KINECHECK_DATA_DIR, else the platform's user data folder (~/.local/share/kinecheck)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return _user_folder("XDG_DATA_HOME", ".local/share", "user_data_dir")


def cache_dir() -> Path:
    """Where kinecheck keeps what it can always rebuild (KINECHECK_CACHE_DIR to move it).

    Else `cache` under KINECHECK_DATA_DIR when that is set (a test or a clinic keeps everything
    in one folder), else the platform's cache folder (~/.cache/kinecheck). OSError when there
    is no home folder to keep it in.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    if os.environ.get(DATA_DIR_ENV):
        return data_dir() / "cache"
    folder = _user_folder("XDG_CACHE_HOME", ".cache", "user_cache_dir")
    if not folder.is_absolute():  # no HOME and no passwd entry (some containers)
        raise OSError("there is no home folder to keep a cache in")
    return folder


def _user_folder(xdg_variable: str, under_home: str, platformdirs_name: str) -> Path:
    """The XDG rule on Linux, applied here (importing platformdirs costs ~4 ms of start-up)."""
    if sys.platform.startswith("linux"):
        base = os.environ.get(xdg_variable, "")
        if not os.path.isabs(base):  # unset, or relative: the spec says to ignore it
            base = os.path.join(os.path.expanduser("~"), under_home)
    else:
        import platformdirs

        base = getattr(platformdirs, platformdirs_name)(appauthor=False)
    return Path(base) / "kinecheck"


def make_private_folder(folder: Path) -> None:
    """Make `folder` and every missing folder above it, each owner-only (0700).

    `mkdir(parents=True)` gives the folders above the last the default mode, which under
    `umask 000` is 0777: anyone could then swap our folder for their own. So each missing
    folder is made here with 0700 and set to 0700 again (a umask or a default ACL may differ).
    Folders that already exist are left as they are; readers check them (fileio).
    """
    missing: list[Path] = []
    at = folder
    while not os.path.lexists(at) and at != at.parent:
        missing.append(at)
        at = at.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile: not ours to change
        os.chmod(new, 0o700)

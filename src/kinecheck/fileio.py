"""Writing files safely: atomically (never half-written) and readable by the owner only.

Answers and reports are health data, so every file kinecheck writes is created with mode 0600.
Reports are files people keep, so two more promises hold (docs/contract.md, "Writing to a
file"): a folder that does not exist is never created (a typo in a path must not scatter
health data in a new folder), and an existing file is replaced only when the caller says so
(`--force`, or a yes in the quiz). Kinecheck's own folders (sessions, the definitions cache)
are made by their modules, with their own permissions, before they write here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kinecheck.errors import InputError


class FolderMissing(InputError):
    """The file would go into a folder that does not exist (or is not a folder)."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


class FileExists(InputError):
    """The file is already there and the caller did not ask to replace it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists; use --force to replace it")
        self.path = path


def check_target(path: Path, *, replace: bool) -> None:
    """Refuse a path that cannot be written as asked, before any work is done for it.

    Callers check early (before a quiz or a batch) so a person learns at once; the writers
    check again, because the file system may change in between.
    """
    folder = path.parent
    if not folder.is_dir():
        if folder.exists() or folder.is_symlink():
            raise FolderMissing(f"{folder}: is a file, not a folder", folder)
        raise FolderMissing(
            f"{path}: the folder {folder} does not exist (kinecheck does not create folders)",
            folder,
        )
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if not replace and (path.exists() or path.is_symlink()):
        raise FileExists(path)


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600, *, replace: bool = True) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside `path`; on success it becomes `path` in one step.

    With `replace=False` the last step is a hard link, which the kernel refuses when `path`
    exists, so a file that appeared meanwhile is never replaced (FileExists instead).
    """
    path = Path(path)
    check_target(path, replace=replace)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _place_new(tmp: str, path: Path) -> None:
    """Give `tmp` the name `path` only if nothing has that name (then drop the `tmp` name)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExists(path) from None
    except OSError as exc:
        # no hard links here (some network or FAT file systems): check, then rename
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if path.exists() or path.is_symlink():
            raise FileExists(path) from None
        os.replace(tmp, path)


def write_atomic(path: Path, data: bytes | str, mode: int = 0o600, *, replace: bool = True) -> None:
    """Write the whole of `data` to `path` atomically, owner-only by default."""
    with atomic_writer(path, mode, replace=replace) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)

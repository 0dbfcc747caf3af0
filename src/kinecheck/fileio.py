"""Files kinecheck writes and reads back: atomic, owner-only, never a special file replaced.

Answers and reports are health data, so every file kinecheck writes is created with mode 0600.
Reports are files people keep, so two more promises hold (docs/contract.md, "Writing to a
file"): a folder that does not exist is never created (a typo in a path must not scatter
health data in a new folder), and an existing file is replaced only when the caller says so
(`--force`, or a yes in the quiz).

A path that names a terminal, /dev/null or a pipe (`--output /dev/stdout | jq`) is written
in place, as every command-line tool does; renaming a file over it would replace the device
node itself (as root, the system's /dev/null). Other special files are refused.

Kinecheck's own files (saved sessions, the definitions cache) are read back only when they are
plainly ours: a regular file of bounded size that we own and nobody else can change, in a
folder that is ours alone. Their folders are made by `kinecheck.places.make_private_folder`.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kinecheck.errors import InputError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# What tempfile.mkstemp puts between our prefix and suffix: 8 of these characters.
_TEMP_MIDDLE = re.compile(r"[a-z0-9_]{8}")
_TEMP_SUFFIX = ".tmp"
_KINDS = {
    stat.S_IFIFO: "a pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFBLK: "a disk device",
    stat.S_IFCHR: "a device",
    stat.S_IFLNK: "a link",
    stat.S_IFDIR: "a folder",
}


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


class WriteFailed(InputError):
    """Writing failed part way (a full disk, /dev/full, a reader that went away)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = (exc.strerror or str(exc)).lower()
        super().__init__(f"{path}: cannot be written ({reason})")


class NotOurs(InputError):
    """A file or folder of ours that is not safe to read: refused before a byte is read.

    `why` is a clause for a caller's message ("it is a pipe, ..."); `untrusted` is True when
    someone else owns it or can change it (else it is simply not what kinecheck wrote there).
    """

    def __init__(self, path: Path, why: str, *, untrusted: bool) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why
        self.untrusted = untrusted


def kind_of(mode: int) -> str:
    """'a pipe', 'a device', ...: what a special file is, in words."""
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def _in_place(mode: int) -> bool:
    """Terminals, /dev/null and pipes are written into, never replaced."""
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


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
    try:
        mode = os.stat(path).st_mode  # what a link leads to
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a file")
    if mode is not None and _in_place(mode):
        return  # written into, so nothing is replaced
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(
            f"{path}: is {kind_of(mode)}, not a file; write the report to a file, "
            "to a terminal or pipe, or to /dev/null"
        )
    if not replace and (path.exists() or path.is_symlink()):
        raise FileExists(path)


class _Checked(io.FileIO):
    """A raw file whose write errors say which file could not be written (WriteFailed).

    A reader that went away (`--output >(head -1)`) stays a BrokenPipeError, which every
    command treats as the quiet end that `| head` is.
    """

    def __init__(self, fd: int, target: Path) -> None:
        super().__init__(fd, "wb")
        self.target = target

    def write(self, data: ReadableBuffer) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise WriteFailed(self.target, exc) from None


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600, *, replace: bool = True) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside `path`; on success it becomes `path` in one step.

    With `replace=False` the last step is a hard link, which the kernel refuses when `path`
    exists, so a file that appeared meanwhile is never replaced (FileExists instead). A
    terminal, /dev/null or a pipe is written in place instead (see the module's docstring).
    Write errors become WriteFailed, naming `path`.
    """
    path = Path(path)
    check_target(path, replace=replace)
    try:
        found: int | None = os.stat(path).st_mode
    except OSError:
        found = None
    if found is not None and _in_place(found):
        with _open_in_place(path) as handle:
            yield handle
        return
    if found is not None and path.is_symlink():  # replace the file it leads to, keep the link
        path = path.resolve()  # (/dev/stdout, a link kept in /dev, is never renamed over)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise WriteFailed(path, exc) from None
    try:
        os.fchmod(fd, mode)
        with io.BufferedWriter(_Checked(fd, path)) as handle:
            yield handle
            handle.flush()
            _sync(handle.fileno(), path)
        if replace:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _sync(fd: int, path: Path) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        raise WriteFailed(path, exc) from None


@contextlib.contextmanager
def _open_in_place(path: Path) -> Iterator[IO[bytes]]:
    """A terminal, /dev/null or pipe opened for writing; a pipe nobody reads is refused."""
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)  # never blocks: a pipe with no reader fails at once
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise InputError(
                f"{path}: no program is reading from this pipe; start the reader first"
            ) from None
        raise WriteFailed(path, exc) from None
    if not _in_place(os.fstat(fd).st_mode):  # replaced since it was checked
        os.close(fd)
        raise InputError(f"{path}: changed while it was being written; try again")
    os.set_blocking(fd, True)
    with io.BufferedWriter(_Checked(fd, path)) as handle:
        yield handle


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


def remove_leftovers(path: Path, *, older_than: float = 0) -> int:
    """Delete the temporary files a killed writer of `path` left beside it; how many.

    Only what `atomic_writer` makes is touched: `.NAME.XXXXXXXX.tmp` regular files owned by
    us, and only those last written more than `older_than` seconds ago (a writer at work in
    another process keeps its file). They hold a copy of what was being written (for a
    session: answers).
    """
    newest = time.time() - older_than
    prefix = f".{path.name}."
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        middle = name[len(prefix) : -len(_TEMP_SUFFIX)]
        if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)):
            continue
        if not _TEMP_MIDDLE.fullmatch(middle):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            ours = stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
            if ours and info.st_mtime <= newest:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


# -- reading our own files back -----------------------------------------------------------------


def check_private_folder(folder: Path) -> None:
    """NotOurs unless `folder` is a folder of ours that nobody else can write into.

    FileNotFoundError when it does not exist. A link to such a folder is fine when the link is
    ours too.
    """
    link = os.lstat(folder)
    info = os.stat(folder) if stat.S_ISLNK(link.st_mode) else link
    if not stat.S_ISDIR(info.st_mode):
        why = f"{folder} is {kind_of(info.st_mode)}, not a folder"
        raise NotOurs(folder, why, untrusted=False)
    _check_owner(folder, link, f"the folder {folder}")
    _check_owner(folder, info, f"the folder {folder}")


def _check_owner(path: Path, info: os.stat_result, what: str) -> None:
    """NotOurs unless we own `info` and nobody else can write it; `what` names it in words."""
    if info.st_uid != os.geteuid():
        raise NotOurs(path, f"{what} belongs to another user", untrusted=True)
    if not stat.S_ISLNK(info.st_mode) and info.st_mode & 0o022:
        raise NotOurs(
            path,
            f"other users can change {what} (mode {stat.S_IMODE(info.st_mode):04o})",
            untrusted=True,
        )


def read_private(path: Path, limit: int, limit_text: str) -> bytes:
    """The bytes of a regular file of ours that nobody else can change, at most `limit` of them.

    NotOurs otherwise, before anything is read: a link, a device (/dev/zero would be read until
    memory runs out), a pipe (it would block), a file too large, or one that someone else owns
    or can write. FileNotFoundError when there is no file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            why = "it is a link, not the file kinecheck wrote"
            raise NotOurs(path, why, untrusted=False) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            why = f"it is {kind_of(info.st_mode)}, not the file kinecheck wrote"
            raise NotOurs(path, why, untrusted=False)
        _check_owner(path, info, "the file")
        raw = handle.read(limit + 1) if info.st_size <= limit else b""
        if info.st_size > limit or len(raw) > limit:
            why = f"it is larger than {limit_text}, far more than kinecheck ever writes there"
            raise NotOurs(path, why, untrusted=False)
    return raw

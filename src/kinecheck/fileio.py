"""Writing files safely: atomically (never half-written) and readable by the owner only.

Answers and reports are health data, so every file kinecheck writes is created with mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside `path`; on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes | str, mode: int = 0o600) -> None:
    """Write the whole of `data` to `path` atomically, owner-only by default."""
    with atomic_writer(path, mode) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)

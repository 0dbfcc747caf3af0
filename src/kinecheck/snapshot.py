"""A verified cache of loaded definitions, so a command starts without YAML or pydantic work.

Loading a questionnaire means parsing three YAML files, validating them with pydantic and
type-checking every condition: about ten times Python's own start-up, most of it importing
pydantic. What comes out (`Definitions`: frozen dataclasses and compiled conditions) is
pickled once per set of files; later runs unpickle it after checking that each file still
has the sha256 it was made from, so an edited file is always loaded afresh. The snapshot
carries the sha256 of its own body too, so a damaged one is never trusted. Conditions pickle
as their source and recompile themselves on the way in.

The cache holds definitions only, never answers. It lives in the cache folder of
`kinecheck.places` (KINECHECK_CACHE_DIR moves it, KINECHECK_CACHE=off stops its use),
owner-only, written atomically. Unpickling only ever builds kinecheck's own classes and a
few builtins, so a planted file cannot run code; a file that fails to load is replaced.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from kinecheck import __version__, places
from kinecheck.conditions import compile_condition
from kinecheck.loading import Definitions, default_rules_path, load_definitions

CACHE_ENV = "KINECHECK_CACHE"
FORMAT = 1
KEEP = 16  # snapshots kept in the cache folder
MAGIC = b"kinecheck-snapshot\n"
_FIELDS = {f.name for f in dataclasses.fields(Definitions)}
_BUILTINS = frozenset({"frozenset", "set", "dict", "list", "tuple"})


def enabled() -> bool:
    """False when KINECHECK_CACHE is off (or 0, no, false)."""
    return os.environ.get(CACHE_ENV, "").strip().lower() not in ("off", "0", "no", "false")


def load(questionnaire_path: Path, rules_path: Path | None = None) -> Definitions:
    """`load_definitions`, answered from a verified snapshot when there is one."""
    if not enabled():
        return load_definitions(questionnaire_path, rules_path)
    try:
        path = snapshot_path(questionnaire_path, rules_path)
    except (OSError, RuntimeError):  # no cache folder to be had: load the files every time
        return load_definitions(questionnaire_path, rules_path)
    defs = _read(path, questionnaire_path, rules_path)
    if defs is None:
        defs = load_definitions(questionnaire_path, rules_path)
        _write(path, defs, questionnaire_path, rules_path)
    return defs


def snapshot_path(questionnaire_path: Path, rules_path: Path | None) -> Path:
    """The snapshot file for this pair of files, this kinecheck (as built) and this Python."""
    key = "\0".join(
        (
            str(FORMAT),
            __version__,
            sys.version,
            _code_fingerprint(),
            str(questionnaire_path.resolve()),
            str(rules_path.resolve()) if rules_path else "",
        )
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return places.cache_dir() / f"definitions-{digest}.pickle"


def _code_fingerprint() -> str:
    """Size and mtime of the modules that shape Definitions.

    So a changed model or loader (an editable install between releases) never meets a
    snapshot made by the old code.
    """
    names = sorted(n for n in sys.modules if n.startswith("kinecheck.models."))
    parts = []
    for name in ("kinecheck.loading", "kinecheck.conditions", __name__, *names):
        file = getattr(sys.modules.get(name), "__file__", None)
        if file:
            stat = os.stat(file)
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ",".join(parts)


def _files(defs: Definitions, questionnaire_path: Path, rules_path: Path | None) -> list[Any]:
    """(path, sha256) of each file the definitions were made from."""
    rules = rules_path or default_rules_path(questionnaire_path, defs.questionnaire.id)
    library = rules.parent / defs.rules.exercise_library
    refs = (defs.questionnaire_ref, defs.rules_ref, defs.library_ref)
    return [
        (str(p.resolve()), ref.sha256)
        for p, ref in zip((questionnaire_path, rules, library), refs, strict=True)
    ]


def seal(body: bytes) -> bytes:
    """A snapshot file: a header with the sha256 of the pickled body, then the body."""
    return MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def unseal(data: bytes) -> bytes | None:
    """The pickled body of a snapshot file, or None when it is not one or was damaged."""
    head = len(MAGIC) + 65
    if not data.startswith(MAGIC) or len(data) < head:
        return None
    body = data[head:]
    if hashlib.sha256(body).hexdigest().encode() + b"\n" != data[len(MAGIC) : head]:
        return None
    return body


def _read(path: Path, questionnaire_path: Path, rules_path: Path | None) -> Definitions | None:
    """The snapshot's definitions if it is there, intact and made from the files as they are."""
    try:
        if not (_private(path.parent) and _private(path)):
            return None
        body = unseal(path.read_bytes())
        if body is None:
            return None
        fmt, files, defs = _Unpickler(io.BytesIO(body)).load()
        if fmt != FORMAT or type(defs) is not Definitions or vars(defs).keys() != _FIELDS:
            return None
        if _files(defs, questionnaire_path, rules_path) != files:  # moved or renamed files
            return None
        for name, sha256 in files:
            if hashlib.sha256(Path(name).read_bytes()).hexdigest() != sha256:
                return None
    except Exception:  # missing, unreadable or planted: load the files instead
        return None
    with contextlib.suppress(OSError):  # a read-only cache is still a cache
        os.utime(path)  # recently used: kept when old snapshots are pruned
    return defs


def _private(path: Path) -> bool:
    """Owned by this user and writable by no one else, so no one else can plant a snapshot.

    A snapshot is trusted once its hashes match, so a shared or loose cache folder (say a
    KINECHECK_CACHE_DIR in /tmp) is not used at all. Where there are no POSIX owners, the
    folder's own access control is relied on.
    """
    if not hasattr(os, "geteuid"):
        return True
    st = path.stat()
    return st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _write(
    path: Path, defs: Definitions, questionnaire_path: Path, rules_path: Path | None
) -> None:
    """Save a snapshot; a cache that cannot be written (read-only home, full disk) is skipped."""
    from kinecheck.fileio import write_atomic

    try:
        body = pickle.dumps(
            (FORMAT, _files(defs, questionnaire_path, rules_path), defs),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(path.parent):
            return
        write_atomic(path, seal(body))
        _prune(path.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass


def _prune(folder: Path) -> None:
    """Keep the KEEP most recently used snapshots, and drop what killed writes left behind."""
    import time

    found = sorted(folder.glob("definitions-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in found[:-KEEP]:
        old.unlink(missing_ok=True)
    for temp in folder.glob(".definitions-*.tmp"):
        if temp.stat().st_mtime < time.time() - 600:
            temp.unlink(missing_ok=True)


class _Unpickler(pickle.Unpickler):
    """Builds only the classes of definitions, compiles only conditions: nothing else.

    A pickle can name any global and call it, so names are looked up in an allowlist: the
    model classes, the loader's and the condition language's data classes (all Restorable,
    so a BUILD step cannot rewrite them), `compile_condition` (which only parses; handed
    out as a fresh wrapper, so nothing can be set on the real function) and a few builtin
    containers. Dotted paths such as `snapshot.os.system` never match.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("kinecheck.conditions", "compile_condition"):
            return lambda *args: compile_condition(*args)
        found = _allowed().get((module, name))
        if found is not None:
            return found
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a snapshot")


@functools.cache
def _allowed() -> dict[tuple[str, str], type]:
    """(module, name) of every class a snapshot may build."""
    from kinecheck.conditions import Symbol
    from kinecheck.loading import CompiledFinding, CompiledRow
    from kinecheck.models.base import Restorable

    classes: list[type] = [Definitions, CompiledRow, CompiledFinding, Symbol]
    todo = list(Restorable.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("kinecheck.models."):
            classes.append(cls)
    return {(c.__module__, c.__qualname__): c for c in classes if issubclass(c, Restorable)}

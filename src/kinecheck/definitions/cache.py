"""A cache of validated definitions, as plain JSON, so a command need not import pydantic.

Reading YAML and validating it with pydantic is most of a command's start-up (importing
pydantic and building its validators alone is ~150 ms; benchmarks/bench_load.py). Once a
questionnaire, its rules and its exercise library have passed validation, their validated
data is written here as JSON; a later load that finds the three files byte for byte unchanged
rebuilds the models from that JSON and skips YAML and pydantic. Everything after that (the
cross-checks, compiling the conditions) runs exactly as for a fresh load.

What keeps it honest:
- It is data, never code: JSON read into the model classes by their declared field types.
- It is checked against the definition files on every use: the sha256 of each file's bytes,
  where the rules and library resolve to, and a fingerprint of the model code that wrote it.
  Any difference and the files are read again (and the entry rewritten).
- It lives in an owner-only folder (0700, ours, not a symlink) and is used only from there;
  an entry not owned by us or writable by others is ignored.
- `KINECHECK_CACHE=off` turns it off: no cache file is read or written.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.definitions.yamlsource import read_text  # regular files, bounded; no PyYAML
from kinecheck.errors import InputError
from kinecheck.records import Record, record

CACHE_ENV = "KINECHECK_CACHE"  # "off" turns the cache off
FORMAT = 2  # 2: scores, optional rules parts, and a library that may be absent
# The largest entry read back. The entry of the bundled questionnaire is about 40 KB; one
# made from three definition files at their size limit stays far below. Anything larger was
# not written by kinecheck, and is ignored unread.
MAX_ENTRY_BYTES = 50_000_000
MAX_ENTRY_TEXT = "50 MB"
M = TypeVar("M")


@record
class FileBytes(Record):
    """A definition file as read: its path and the bytes its sha256 is taken of.

    `raw` is None for an exercise library the rules do without and that was not there: the
    entry then holds only while it is still not there (one added later is read and checked).
    """

    path: Path
    raw: bytes | None


@record
class Validated(Record):
    """The three validated models of a questionnaire and the files they came from."""

    questionnaire: Questionnaire
    rules: RuleSet
    library: ExerciseLibrary | None  # None: the rules name no exercise and no library is there
    files: tuple[FileBytes, FileBytes, FileBytes]  # questionnaire, rules, library


def enabled() -> bool:
    """False when KINECHECK_CACHE=off."""
    return os.environ.get(CACHE_ENV, "").strip().lower() not in ("off", "0", "no", "false")


def entry_path(questionnaire_path: Path, rules_path: Path | None) -> Path | None:
    """Where the entry for this questionnaire (and rules file, if named) lives; None: no cache."""
    from kinecheck.places import cache_dir

    try:
        folder = cache_dir() / "definitions"
    except OSError:
        return None
    key = f"{questionnaire_path.resolve()}\0{rules_path.resolve() if rules_path else ''}"
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def load(
    questionnaire_path: Path,
    rules_path: Path | None,
    resolve_rules: Callable[[Questionnaire], Path],
) -> Validated | None:
    """The validated models from the cache when every file is unchanged, else None."""
    path = entry_path(questionnaire_path, rules_path)
    if path is None or not enabled() or not _private(path.parent):
        return None
    from kinecheck.errors import InputError
    from kinecheck.fileio import read_private

    try:
        # a regular file of ours that nobody else can change (never a link, pipe or device)
        entry = orjson.loads(read_private(path, MAX_ENTRY_BYTES, MAX_ENTRY_TEXT))
        if entry.get("format") != FORMAT or entry.get("code") != code_fingerprint():
            return None
        files = tuple(_unchanged(Path(p), digest) for p, digest in entry["files"])
        if any(f is None for f in files):
            return None
        q = build(Questionnaire, entry["questionnaire"])
        rules = build(RuleSet, entry["rules"])
        library = None if entry["library"] is None else build(ExerciseLibrary, entry["library"])
    except (OSError, InputError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # missing, not ours, damaged or from another layout: read the files
    q_file, r_file, l_file = files
    assert q_file is not None and r_file is not None and l_file is not None
    # the files must also still be the ones a fresh load would pick
    if q_file.path != questionnaire_path.resolve():
        return None
    if r_file.path != (rules_path or resolve_rules(q)).resolve():
        return None
    if l_file.path != (r_file.path.parent / rules.library_path).resolve():
        return None
    if (library is None) != (l_file.raw is None) or q_file.raw is None or r_file.raw is None:
        return None
    return Validated(q, rules, library, (q_file, r_file, l_file))


def store(questionnaire_path: Path, rules_path: Path | None, validated: Validated) -> None:
    """Write the entry for freshly validated definitions.

    A cache that cannot be written (a read-only home, no home at all) is simply not used.
    """
    path = entry_path(questionnaire_path, rules_path)
    if path is None or not enabled():
        return
    entry = {
        "format": FORMAT,
        "code": code_fingerprint(),
        "files": [
            [str(f.path.resolve()), None if f.raw is None else hashlib.sha256(f.raw).hexdigest()]
            for f in validated.files
        ],
        "questionnaire": validated.questionnaire,
        "rules": validated.rules,
        "library": validated.library,
    }
    from kinecheck.errors import InputError
    from kinecheck.fileio import write_atomic
    from kinecheck.places import make_private_folder

    try:
        make_private_folder(path.parent)  # every folder it makes is owner-only
        if not _private(path.parent):
            return
        write_atomic(path, orjson.dumps(entry))
    except (OSError, InputError):
        return


def _private(folder: Path) -> bool:
    """A real folder of ours (not a link) that nobody else can write into."""
    from kinecheck.errors import InputError
    from kinecheck.fileio import check_private_folder

    try:
        if folder.is_symlink():
            return False
        check_private_folder(folder)
    except (OSError, InputError):
        return False
    return True


def _unchanged(path: Path, digest: str | None) -> FileBytes | None:
    """The file's bytes when their sha256 is still `digest` (a pipe or device put there: None).

    No digest: the file was not there (a library the rules do without), and still is not.
    """
    if digest is None:
        return None if os.path.lexists(path) else FileBytes(path, None)
    try:
        raw = read_text(path)
    except (OSError, InputError):
        return None
    return FileBytes(path, raw) if hashlib.sha256(raw).hexdigest() == digest else None


@functools.cache
def code_fingerprint() -> str:
    """The sha256 of the model and loading code: an entry written by other code is not used."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


# -- plain data -> models, by their declared field types --------------------------------------


def build(model: type[M], data: Any) -> M:
    """A model from the JSON of a validated one (the inverse of orjson.dumps(model))."""
    return typing.cast(M, _build(model, data))


def _build(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _build(typing.get_args(tp)[0], value)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and dataclasses.is_dataclass(a)]
        if len(options) == 1:
            return _build(options[0], value)
        if models and isinstance(value, dict):
            if len(models) == 1:  # e.g. a note: a plain string, or a mapping
                return _build(models[0], value)
            # a union of models is told apart by its `type` field (e.g. questions)
            by_tag = {_type_tag(m): m for m in models}
            return _build(by_tag[value["type"]], value)  # KeyError: not a type we know
        return value
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, v) for v in value]
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(_build(item, v) for v in value)
    if origin is dict:
        _, item = typing.get_args(tp)
        return {k: _build(item, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(
            **{
                f.name: _build(hints[f.name], value[f.name])
                for f in dataclasses.fields(tp)
                if f.init and f.name in value
            }
        )
    return value  # str, int, float, bool, Literal, Any: JSON already holds them as they were


@functools.cache
def _hints(model: type) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


@functools.cache
def _type_tag(model: type) -> Any:
    """The one value of a model's `type: Literal[...]` field."""
    return typing.get_args(_hints(model)["type"])[0]

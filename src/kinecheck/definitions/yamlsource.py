"""Read YAML (or JSON) files into plain data plus a map from data paths to line numbers.

The line map lets every later error, from pydantic or from cross-reference checks, point at
the file and line a person has to edit. Only regular files of a bounded size are read, so a
FIFO, a device or a huge file is refused at once instead of blocking or filling memory; the
checks on the parsed nodes (tags, numbers, depth, duplicate keys) are in `yamlnodes`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kinecheck.errors import DefinitionError, InputError, Problem

if TYPE_CHECKING:
    import yaml

    from kinecheck.definitions.yamlnodes import Duplicate

PathKey = tuple[str | int, ...]
# The limits of every file kinecheck reads as data (definitions, answers files, standard input
# and each JSON Lines record), enforced here, in `yamlnodes` and in `scoring.batch`:
#
# Values a file may hold once aliases (*name) are expanded: far above any real questionnaire,
# far below what a "billion laughs" file would make every later step walk through.
MAX_NODES = 200_000
# Lists and mappings inside one another: a real file nests fewer than 10 deep. The limit sits far
# below where the YAML library or Python's stack give up, so we always report it ourselves.
MAX_DEPTH = 100
# Characters of one number: far more than any age, hour or point count needs, and far below
# Python's 4,300-digit conversion limit (or a lowered one: PYTHONINTMAXSTRDIGITS >= 640).
MAX_NUMBER_CHARS = 100
# The most a definition file, an answers file (or standard input) or one JSON Lines record may
# hold. The bundled files are 9-15 KB and a clinic's 200-row scored rules file about 400 KB
# (benchmarks/bench_load.py), so no real file comes near it; yet the worst file of this size
# (190,000 one-line keys) parses in 2-5 s and 250 MB, and anything larger is refused before a
# byte of it is read (a 100 MB answers file took 39 s and 2.9 GB before it was refused).
MAX_FILE_BYTES = 2_000_000
LIMIT_TEXT = f"{MAX_FILE_BYTES // 1_000_000} MB"


@dataclass
class Source:
    """Parsed content of one file, its raw bytes and where each value sits."""

    path: Path
    data: Any
    raw: bytes
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)  # with `keep_duplicates` only

    @property
    def name(self) -> str:
        """The path as the user should see it."""
        return str(self.path)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest part of `loc` that exists in the file (1-based)."""
        key: PathKey = ()
        best = self.lines.get(key)
        node = self.data
        for part in loc:
            if isinstance(node, dict) and part in node:  # noqa: SIM114 - each branch narrows
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                continue  # union tags and the like are not in the data
            key = (*key, part)
            best = self.lines.get(key, best)
        return best

    def problem(self, loc: Sequence[str | int], message: str, hint: str | None = None) -> Problem:
        """A Problem located at `loc` in this file."""
        return Problem(
            message=message,
            file=self.name,
            line=self.line_of(loc),
            field=readable_path(self.data, loc),
            hint=hint,
        )


def readable_path(data: Any, loc: Sequence[str | int]) -> str | None:
    """`sections[about].questions[age].min`: list items named by their id where they have one."""
    out = ""
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            item_id = node.get("id") if isinstance(node, dict) else None
            out += f"[{item_id}]" if isinstance(item_id, str) else f"[{part}]"
        elif isinstance(node, dict) and part in node:
            node = node[part]
            out += ("." if out else "") + str(part)
        elif isinstance(part, str) and not isinstance(node, list | dict):
            out += ("." if out else "") + part
    return out or None


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file (or a link to one) for reading; refuse devices, FIFOs and sockets.

    The open never blocks (a FIFO with no writer would hang every command that reads it) and
    never reads a device such as /dev/zero, which would be read until memory runs out.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({(exc.strerror or str(exc)).lower()})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(f"{path}: is a directory, expected a file")
        raise InputError(
            f"{path}: not a regular file (a device, pipe or socket); kinecheck reads only "
            "regular files"
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_text(path: Path) -> bytes:
    """A file's bytes (at most MAX_FILE_BYTES), every OS problem turned into one InputError."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:  # refused unread
            raise InputError(too_large(str(path)))
        raw = handle.read(size + 1)  # a buffer of the file's size, not of the limit
        if len(raw) > size:  # it grew since, or tells no size (/proc): read on to the limit
            raw += handle.read(MAX_FILE_BYTES + 1 - len(raw))
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(too_large(str(path)))
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    return raw


def too_large(name: str) -> str:
    """The message for a file over MAX_FILE_BYTES."""
    return (
        f"{name}: the file is larger than {LIMIT_TEXT}; kinecheck reads definition and answers "
        f"files of at most {LIMIT_TEXT}, far more than any real one holds"
    )


def parse(raw: bytes, path: Path, *, keep_duplicates: bool = False) -> Source:
    """Parse YAML (JSON is YAML too) and record the line of every mapping value and list item.

    A key given twice is a problem; with `keep_duplicates` it is kept in `Source.duplicates`
    instead, so that an answers file can report it together with its invalid answers.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    # here, not at the top: a load from the definitions cache never needs PyYAML
    import yaml

    from kinecheck.definitions import yamlnodes

    yamlnodes.check_count(raw, text, path)
    loader = loader_class()(text)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                raise InputError(f"{path}: the file is empty")
            found = yamlnodes.walk(node, path, text)
        except (yaml.YAMLError, RecursionError) as exc:
            raise DefinitionError([_syntax_problem(exc, text, path)]) from None
        duplicates = [d.problem(path) for d in found.duplicates]
        if found.problems:
            problems = found.problems + yamlnodes.unreadable(found) + duplicates
            raise DefinitionError(sorted(problems, key=_by_line))
        try:
            data = loader.construct_document(node)
        except (yaml.YAMLError, *yamlnodes.CONSTRUCT_ERRORS) as exc:
            problems = yamlnodes.unreadable(found) or [_construct_problem(exc, path)]
            raise DefinitionError(sorted(problems + duplicates, key=_by_line)) from None
    finally:
        loader.dispose()
    if duplicates and not keep_duplicates:
        raise DefinitionError(duplicates)
    return Source(path, data, raw, found.lines, found.duplicates)


def _by_line(problem: Problem) -> int:
    return problem.line or 0


def _construct_problem(exc: BaseException, path: Path) -> Problem:
    """A value the YAML library could not build that is no single scalar: `<<: 5`, a merge."""
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or "a value cannot be turned into data"
    return Problem(f"invalid YAML: {what}", str(path), mark.line + 1 if mark else None)


def loader_class() -> type[yaml.SafeLoader]:
    """The C loader, several times faster, where PyYAML was built with libyaml."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _syntax_problem(exc: BaseException, text: str, path: Path) -> Problem:
    """Our problem for a file the YAML library could not read (or overflowed the stack on)."""
    import yaml

    from kinecheck.definitions.yamlnodes import deep_problem

    too_deep = _too_deep(text)
    if too_deep is not None:
        return deep_problem(path, too_deep)
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        return _bad_character(exc.position, exc.character, text, path)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem("invalid YAML: the file cannot be read as YAML", file=str(path))
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    what = exc.problem or exc.context or "invalid YAML"
    details = [f"column {mark.column + 1}"] if mark else []
    start = exc.context_mark
    unclosed = exc.context and ("flow" in exc.context or "quoted" in exc.context)
    if exc.problem and unclosed and start and mark and start.line != mark.line:
        details.append(f"{exc.context} that starts on line {start.line + 1}")
    where = f" ({'; '.join(details)})" if details else ""
    return Problem(
        f"invalid YAML: {what}{where}", file=str(path), line=line, hint=_hint(what, text, mark)
    )


def _bad_character(position: int, character: int, text: str, path: Path) -> Problem:
    """A character YAML forbids (most control characters), at its line and column."""
    import yaml

    if loader_class() is yaml.SafeLoader:  # the pure-Python reader counts characters
        before = text[:position]
    else:  # libyaml counts the bytes of the UTF-8 text
        before = text.encode()[:position].decode(errors="ignore")
    line = before.count("\n") + 1
    column = len(before) - before.rfind("\n")
    return Problem(
        f"the file holds the control character U+{character:04X} at column {column}, which "
        "YAML does not allow",
        file=str(path),
        line=line,
        hint=f"delete it; in text between double quotes it may be written \\u{character:04x}",
    )


def _too_deep(text: str) -> int | None:
    """The line where the nesting first passes MAX_DEPTH, read event by event, else None.

    Used once parsing has failed, so that a file too deep for the YAML library gets our message
    whichever way the library words (or crashes on) it.
    """
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):  # no depth limit of its own
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def _hint(what: str, text: str, mark: yaml.Mark | None) -> str:
    """How to fix the commonest YAML mistakes."""
    lines = text.splitlines()
    at = lines[mark.line][mark.column : mark.column + 1] if mark and mark.line < len(lines) else ""
    if "tab" in what or at == "\t":
        return "indent with spaces, not tabs"
    return (
        "check the indentation of this line and the one before: items of one list or mapping "
        "line up; put quotes around text that contains ': ' or starts with [, {, * or '"
    )


def load(path: Path) -> Source:
    """Read and parse one definition or answers file."""
    return parse(read_text(path), path)

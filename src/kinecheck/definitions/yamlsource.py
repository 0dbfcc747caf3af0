"""Read YAML (or JSON) files into plain data plus a map from data paths to line numbers.

The line map lets every later error, from pydantic or from cross-reference checks, point at
the file and line a person has to edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck.errors import DefinitionError, InputError, Problem

if TYPE_CHECKING:
    import yaml

PathKey = tuple[str | int, ...]
# Values a file may hold once aliases (*name) are expanded: far above any real questionnaire,
# far below what a "billion laughs" file would make every later step walk through.
MAX_NODES = 200_000
# Lists and mappings inside one another: a real file nests fewer than 10 deep. The limit sits far
# below where the YAML library or Python's stack give up, so we always report it ourselves.
MAX_DEPTH = 100
TOO_DEEP = f"the file nests lists or mappings more than {MAX_DEPTH} deep"
TOO_DEEP_HINT = "flatten the structure; no questionnaire, rules or answers file needs this depth"


@dataclass
class Source:
    """Parsed content of one file, its raw bytes and where each value sits."""

    path: Path
    data: Any
    raw: bytes
    lines: dict[PathKey, int] = field(default_factory=dict)

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


def read_text(path: Path) -> bytes:
    """Read a file's bytes, turning every OS problem into one clear InputError."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    return raw


def parse(raw: bytes, path: Path) -> Source:
    """Parse YAML (JSON is YAML too) and record the line of every mapping value and list item."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    import yaml  # here, not at the top: a load from the definitions cache never needs it

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{path}: the file is empty")
        problems: list[Problem] = []
        lines: dict[PathKey, int] = {}
        _index(node, (), lines, problems, path, [MAX_NODES])
        data = loader.construct_document(node)
    except (yaml.YAMLError, RecursionError) as exc:
        too_deep = _too_deep(text)
        if too_deep is not None:
            raise DefinitionError([_deep_problem(path, too_deep)]) from None
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise DefinitionError([Problem(f"invalid YAML: {exc}", file=str(path))]) from None
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        details = [f"column {mark.column + 1}"] if mark else []
        start = exc.context_mark
        unclosed = exc.context and ("flow" in exc.context or "quoted" in exc.context)
        if exc.problem and unclosed and start and mark and start.line != mark.line:
            details.append(f"{exc.context} that starts on line {start.line + 1}")
        where = f" ({'; '.join(details)})" if details else ""
        raise DefinitionError(
            [
                Problem(
                    f"invalid YAML: {what}{where}",
                    file=str(path),
                    line=line,
                    hint=_hint(what, text, mark),
                )
            ]
        ) from None
    finally:
        loader.dispose()
    if problems:
        raise DefinitionError(problems)
    return Source(path=path, data=data, raw=raw, lines=lines)


def _loader() -> type[yaml.SafeLoader]:
    """The C loader, several times faster, where PyYAML was built with libyaml."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _deep_problem(path: Path, line: int) -> Problem:
    return Problem(TOO_DEEP, file=str(path), line=line, hint=TOO_DEEP_HINT)


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


def _index(
    node: yaml.Node,
    key: PathKey,
    lines: dict[PathKey, int],
    problems: list[Problem],
    path: Path,
    budget: list[int],
) -> None:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise DefinitionError(
            [
                Problem(
                    f"the file holds more than {MAX_NODES} values once its aliases (*name) "
                    "are expanded",
                    file=str(path),
                    line=node.start_mark.line + 1,
                    hint="write the values out instead of repeating aliases",
                )
            ]
        )
    lines[key] = node.start_mark.line + 1
    if len(key) >= MAX_DEPTH and isinstance(node, yaml.CollectionNode):
        raise DefinitionError([_deep_problem(path, node.start_mark.line + 1)])
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for k_node, v_node in node.value:
            k = k_node.value if isinstance(k_node, yaml.ScalarNode) else str(k_node.value)
            line = k_node.start_mark.line + 1
            if k in seen:
                problems.append(
                    Problem(
                        f"duplicate key '{k}' (first given on line {seen[k]})",
                        file=str(path),
                        line=line,
                    )
                )
            seen[k] = line
            _index(v_node, (*key, k), lines, problems, path, budget)
            lines[(*key, k)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*key, i), lines, problems, path, budget)


def load(path: Path) -> Source:
    """Read and parse one definition or answers file."""
    return parse(read_text(path), path)

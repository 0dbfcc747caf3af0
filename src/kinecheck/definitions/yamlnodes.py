"""Checks on a YAML file's node tree, made before it becomes data.

One walk over the nodes records the line of every value (so errors name file:line) and finds
what the YAML library would crash on, or what no later step should have to walk through: a tag
that does not fit its value, a number too long to convert, nesting too deep, too many values,
and keys given twice. Only `yamlsource` uses it, and only when a file is parsed (the
definitions cache never needs it, nor PyYAML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kinecheck.definitions.yamlsource import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    PathKey,
    loader_class,
)
from kinecheck.errors import DefinitionError, Problem

TOO_DEEP = f"the file nests lists or mappings more than {MAX_DEPTH} deep"
TOO_DEEP_HINT = "flatten the structure; no questionnaire, rules or answers file needs this depth"

_STANDARD = "tag:yaml.org,2002:"
_INT, _FLOAT, _BOOL, _TIME = (_STANDARD + t for t in ("int", "float", "bool", "timestamp"))
_SEQ, _MAP, _MERGE = (_STANDARD + t for t in ("seq", "map", "merge"))
# The plain data every answers source shares (what JSON holds, and dates): a value tagged as
# anything else (!!binary, !!set, !!python/..., !local) is refused at its line.
_SCALAR_TAGS = frozenset({_STANDARD + "null", _BOOL, _INT, _FLOAT, _STANDARD + "str", _TIME})
_KEY_TAGS = _SCALAR_TAGS | {_MERGE}  # `<<: *base` merges a mapping into another
_NUMBER_TAGS = frozenset({_INT, _FLOAT})
_PLAIN_KEY_TAGS = frozenset({_STANDARD + "str"})  # keys that need no check (nearly all)
# Scalars that can fail to become data, and what the YAML library took them for.
_CAN_FAIL = {_INT: "whole number", _FLOAT: "number", _BOOL: "yes/no value", _TIME: "date"}
_TAGGED = re.compile(r"(?:&\S+\s+)?!")  # where a node starts: an optional anchor, then a tag
# What PyYAML's constructors raise on a value its tag does not fit (`!!int abc`: ValueError,
# `!!float` with no value: IndexError, `!!bool maybe`: KeyError, `!!timestamp x`: AttributeError).
CONSTRUCT_ERRORS = (ValueError, IndexError, KeyError, AttributeError, TypeError, OverflowError)


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping (the later value is the one read)."""

    key: str
    loc: PathKey  # the mapping's path, then the key
    line: int
    first_line: int

    def problem(self, path: Path) -> Problem:
        """The problem a definition file reports for it."""
        message = f"duplicate key '{self.key}' (first given on line {self.first_line})"
        return Problem(message, file=str(path), line=self.line)


@dataclass
class Walk:
    """What one walk over a file's nodes finds: the lines, the problems, the duplicate keys."""

    path: Path
    text: str
    root: yaml.Node
    budget: int = MAX_NODES
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    _text_lines: list[str] | None = None

    def text_lines(self) -> list[str]:
        """The file's lines, split once and only on the way to an error."""
        if self._text_lines is None:
            self._text_lines = self.text.splitlines()
        return self._text_lines

    def at(self, node: yaml.Node, key: PathKey, message: str, hint: str | None = None) -> Problem:
        """A problem at `node`, whose value sits at `key`."""
        return Problem(message, str(self.path), node.start_mark.line + 1, _field(key), hint)


def walk(root: yaml.Node, path: Path, text: str) -> Walk:
    """Walk the whole tree; too many values or too deep a nesting raise DefinitionError."""
    found = Walk(path, text, root)
    _index(root, (), found)
    return found


def deep_problem(path: Path, line: int) -> Problem:
    """Nesting past MAX_DEPTH, at the line where it passes."""
    return Problem(TOO_DEEP, file=str(path), line=line, hint=TOO_DEEP_HINT)


def _index(node: yaml.Node, key: PathKey, found: Walk) -> None:
    """Record the line of `node` and everything in it; check its tags, numbers and keys.

    It runs on every file parsed, so it does only a few operations per node.
    """
    found.budget -= 1
    if found.budget < 0:
        raise DefinitionError([_too_many(found, node)])
    found.lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag  # the usual plain value costs two look-ups, not a call
        if tag not in _SCALAR_TAGS or (tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS):
            _check_scalar(node, key, found, _SCALAR_TAGS)
        return
    if len(key) >= MAX_DEPTH:
        raise DefinitionError([deep_problem(found.path, node.start_mark.line + 1)])
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            found.problems.append(_tag_problem(node, key, found))
        seen: dict[Any, int] = {}
        for k_node, v_node in node.value:
            line = k_node.start_mark.line + 1
            if isinstance(k_node, yaml.ScalarNode):
                k = k_node.value
                if k_node.tag not in _PLAIN_KEY_TAGS:
                    _check_scalar(k_node, (*key, k), found, _KEY_TAGS)
            else:
                k = str(k_node.value)
            if k in seen:
                found.duplicates.append(Duplicate(str(k), (*key, k), line, seen[k]))
            seen[k] = line
            _index(v_node, (*key, k), found)
            found.lines[(*key, k)] = line
    else:
        if node.tag != _SEQ:
            found.problems.append(_tag_problem(node, key, found))
        for i, item in enumerate(node.value):
            _index(item, (*key, i), found)


def _check_scalar(node: yaml.Node, key: PathKey, found: Walk, tags: frozenset[str]) -> None:
    tag = node.tag
    if tag not in tags:
        found.problems.append(_tag_problem(node, key, found))
    elif tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
        message = f"the number is {len(node.value)} characters long; at most {MAX_NUMBER_CHARS}"
        hint = "no answer or definition needs a longer number; put it in quotes if it is text"
        found.problems.append(found.at(node, key, message, hint))


def _field(key: PathKey) -> str | None:
    """`sections[0].title`: a data path as a person reads it."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or None


def _the_value(value: str) -> str:
    """How a message names a value: never quoting it (an answers file holds health data)."""
    return "the value" if value else "an empty value"


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_STANDARD) :] if tag.startswith(_STANDARD) else tag


def _explicit(node: yaml.Node, found: Walk) -> bool:
    """True when the file wrote a tag on `node`, rather than the YAML library guessing one."""
    mark = node.start_mark
    lines = found.text_lines()
    return mark.line < len(lines) and _TAGGED.match(lines[mark.line], mark.column) is not None


def _tag_problem(node: yaml.Node, key: PathKey, found: Walk) -> Problem:
    """A tag kinecheck does not read, or one on the wrong kind of node."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode) and not _explicit(node, found):  # `=` or `<<` alone
        message = f"{_the_value(node.value)} cannot be read as it is"
        return found.at(node, key, message, "put it in quotes to keep it as text")
    if tag in _KEY_TAGS or tag in (_SEQ, _MAP):
        kind = {yaml.ScalarNode: "single value", yaml.SequenceNode: "list"}.get(
            type(node), "mapping"
        )
        return found.at(node, key, f"the tag {_tag_name(tag)} does not fit a {kind}", "remove it")
    return found.at(
        node,
        key,
        f"the tag {_tag_name(tag)} is not one kinecheck reads",
        "remove it: plain values, lists and mappings need no tag",
    )


def unreadable(found: Walk) -> list[Problem]:
    """Every value the YAML library cannot turn into data (`!!int abc`), each at its line.

    Only called once a file has problems or building its data has failed, so reading a good
    file pays nothing for it: each scalar whose type can fail is built on its own.
    """
    constructor = yaml.constructor.SafeConstructor()
    problems: list[Problem] = []
    for node, key in _nodes(found.root):
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _CAN_FAIL:
            continue
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            continue  # already a problem of its own
        try:
            constructor.construct_object(node)
        except (yaml.YAMLError, *CONSTRUCT_ERRORS):
            value = _the_value(node.value)
            if _explicit(node, found):
                message = f"{value} cannot be read as the type {_tag_name(node.tag)} asks for"
                problems.append(found.at(node, key, message, "remove the tag or fix the value"))
            else:
                message = f"{value} looks like a {_CAN_FAIL[node.tag]} but is not one"
                problems.append(found.at(node, key, message, "put it in quotes to keep it as text"))
    return problems


def _nodes(root: yaml.Node) -> list[tuple[yaml.Node, PathKey]]:
    """Every node once (an alias shares its node), keys too, in file order, with its path."""
    out: list[tuple[yaml.Node, PathKey]] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    while stack:
        node, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((node, key))
        if isinstance(node, yaml.MappingNode):
            for k_node, v_node in reversed(node.value):
                k = k_node.value if isinstance(k_node, yaml.ScalarNode) else str(k_node.value)
                stack += [(v_node, (*key, k)), (k_node, (*key, k))]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, (*key, i)) for i, item in reversed(list(enumerate(node.value)))]
    return out


def _too_many(found: Walk, node: yaml.Node) -> Problem:
    """Past MAX_NODES: because of aliases (a "billion laughs"), or because the file is huge."""
    distinct = 0
    seen: set[int] = set()
    stack = [found.root]
    while stack and distinct <= MAX_NODES:
        current = stack.pop()
        if id(current) not in seen:
            seen.add(id(current))
            distinct += 1
            if isinstance(current, yaml.MappingNode):
                stack += [v for _, v in current.value]
            elif isinstance(current, yaml.SequenceNode):
                stack += current.value
    if distinct > MAX_NODES:
        return _huge(found.path, node.start_mark.line + 1)
    message = f"the file holds more than {MAX_NODES} values once its aliases (*name) are expanded"
    hint = "write the values out instead of repeating aliases"
    return Problem(message, file=str(found.path), line=node.start_mark.line + 1, hint=hint)


def _huge(path: Path, line: int) -> Problem:
    message = (
        f"the file holds more than {MAX_NODES} values; no questionnaire, rules or answers file "
        "comes near that"
    )
    return Problem(message, str(path), line, hint="check that this is the file you meant")


# Characters one of which comes before every node but the first (a key, a list item, a value
# after a colon, an item of a flow collection, any line break). A collection and its first
# item may share one, so a file has at most twice as many nodes as it has of these, plus one.
# As bytes: the line breaks NEL, LS and PS are counted by their last UTF-8 byte, which a few
# other characters share; that only makes the count larger, so it stays an upper bound.
_BEFORE_A_NODE = b",:-?[{\n\r\x85\xa8\xa9"


def check_count(raw: bytes, text: str, path: Path) -> None:
    """Refuse a file of more than MAX_NODES values before building its nodes at all.

    Building a node costs the YAML library far more than reading its event, so a 2 MB file
    of a million tiny values is refused in about half a second and 40 MB instead of 5 s and
    370 MB. Counting bytes shows at once that a real file is far below the limit; only a
    file that might pass it is read event by event (keys and values together may number
    2 * MAX_NODES + 1 without passing it).
    """
    if len(raw) <= MAX_NODES or len(raw) - len(raw.translate(None, _BEFORE_A_NODE)) <= MAX_NODES:
        return  # the bundled files stop at the first test, a 400 KB one at the second
    loader: Any = loader_class()(text)  # PyYAML's stubs leave get_event untyped
    nodes = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                nodes += 1
                if nodes > 2 * MAX_NODES + 1:
                    line = event.start_mark.line + 1 if event.start_mark else 1
                    raise DefinitionError([_huge(path, line)])
            elif isinstance(event, yaml.StreamEndEvent):
                return
    except (yaml.YAMLError, RecursionError):
        return  # not YAML: parsing it again says where, in our words
    finally:
        loader.dispose()

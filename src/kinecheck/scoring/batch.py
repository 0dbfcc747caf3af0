"""JSON Lines batches: one result per input line, in input order, in constant memory.

Each line goes through the same `AnswerValidator` and `assess` as a single answers file; this
module only adds line numbers. It yields results one at a time, so the caller can write (and
flush) each report as soon as its line has arrived.

A record follows the rules of every other answers source (`yamlsource`): at most
MAX_FILE_BYTES, lists and mappings at most MAX_DEPTH deep, numbers of at most
MAX_NUMBER_CHARS, no key given twice, a byte order mark allowed at the start. A line that
breaks one fails alone, with our message, and the rest of the batch is still scored. The usual
record is checked with a few byte counts (`_plain`); only a record they cannot vouch for is
scanned token by token.

One process is enough: forked workers were measured slower than this loop on a 2-core
machine (2.87 s against 2.55 s for 50,000 lines), so they went.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

import orjson

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.yamlsource import (
    LIMIT_TEXT,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NUMBER_CHARS,
)
from kinecheck.errors import AnswerProblem, AnswersError
from kinecheck.scoring.answers import AnswerValidator
from kinecheck.scoring.answers_files import duplicate_message
from kinecheck.scoring.assess import assess
from kinecheck.scoring.report import Report

BOM = b"\xef\xbb\xbf"
LINE = "(line)"  # the `question` of a problem with the line itself rather than one answer
_DIGITS = b"0123456789"
_MOST_DIGITS = MAX_NUMBER_CHARS - len("-.e+")  # fewer digits: no number can be too long
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that do not start a character
# Outside strings: a string (a key when a colon follows), a bracket, or a run of the characters
# numbers are written with. The string pattern is the unrolled form, linear on long strings.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(?:[ \t\r\n]*(:))?|[\[\]{}]|[-+0-9.eE]+')


@dataclass(frozen=True)
class LineResult:
    """The outcome of one input line: a report, or the problems that stopped it."""

    number: int
    report: Report | None
    problems: list[AnswerProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # answers ignored: question not asked


@dataclass(frozen=True)
class TooLong:
    """A line longer than MAX_FILE_BYTES, skipped without being kept in memory."""


class Record(NamedTuple):
    """One line's JSON: the data, and the problems found reading it (`read`: data is there).

    A NamedTuple, not a dataclass: it is made for every line, and this is the cheaper one.
    """

    data: Any
    problems: tuple[AnswerProblem, ...] = ()
    read: bool = True


def read_lines(stream: IO[bytes]) -> Iterator[bytes | TooLong]:
    """The lines of a batch, a byte order mark at its start dropped, none held past the limit."""
    first = True
    while line := stream.readline(MAX_FILE_BYTES + 1):
        if first:
            line, first = line.removeprefix(BOM), False
        if len(line) > MAX_FILE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 16)) and not rest.endswith(b"\n"):
                pass  # the rest of the long line, a piece at a time
            yield TooLong()
            continue
        yield line


def parse_record(line: bytes) -> Record:
    """One line as JSON, under the rules every answers source shares."""
    if _plain(line):
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            pass  # our message, or the parser's, from the careful path
        else:
            if type(data) is not dict or line.count(b":") == len(data):
                return Record(data)  # each colon is one key's, so no key is there twice
    return _careful(line)


def _plain(line: bytes) -> bool:
    """True when byte counts alone vouch for the record (depth, one mapping, numbers).

    A JSON number has at most 4 characters other than digits, so a line with fewer digits
    than _MOST_DIGITS cannot hold a number that is too long.
    """
    digits = len(line) - len(line.translate(None, _DIGITS))
    return line.count(b"{") <= 1 and line.count(b"[") < MAX_DEPTH and digits <= _MOST_DIGITS


def _careful(line: bytes) -> Record:
    """Token by token: depth, long numbers and duplicate keys, each with its column."""
    problems: list[AnswerProblem] = []
    frames: list[dict[str, int] | None] = []  # per open bracket: a mapping's keys and columns
    question = LINE
    column = _Columns(line)
    for match in _TOKENS.finditer(line):
        token = match.group()
        first = token[:1]
        if first in b"[{":
            frames.append({} if first == b"{" else None)
            if len(frames) > MAX_DEPTH:
                message = (
                    f"the record nests lists or mappings more than {MAX_DEPTH} deep; no "
                    "answers need this depth"
                )
                return Record(None, (AnswerProblem(LINE, message),), read=False)
        elif first in b"]}":
            if frames:
                frames.pop()
        elif first != b'"':
            if len(token) > MAX_NUMBER_CHARS:
                message = (
                    f"a number of {len(token)} characters at column {column(match.start())}; "
                    f"numbers may have at most {MAX_NUMBER_CHARS}"
                )
                problems.append(AnswerProblem(LINE, message))
        elif match.group(1) and frames and (keys := frames[-1]) is not None:
            key = _key(token[: match.start(1) - match.start()])
            if len(frames) == 1:
                question = key
            if key in keys:
                named = key if len(frames) == 1 else None  # a question id, not an answer
                message = duplicate_message(named, f"at column {keys[key]}")
                problems.append(AnswerProblem(question, message))
            else:
                keys[key] = column(match.start())
    if any(p.question == LINE for p in problems):
        return Record(None, tuple(problems), read=False)  # numbers too long to read
    try:
        return Record(orjson.loads(line), tuple(problems))
    except orjson.JSONDecodeError as exc:
        return Record(None, (AnswerProblem(LINE, f"not valid JSON: {exc}"),), read=False)


def _key(token: bytes) -> str:
    try:
        return str(json.loads(token.rstrip()))
    except ValueError:
        return token.decode(errors="replace")


class _Columns:
    """Byte offsets, given in increasing order, as 1-based columns in characters.

    Counted on from the previous offset, so a line with many keys costs one pass, not one
    pass per key.
    """

    def __init__(self, line: bytes) -> None:
        self.line, self.offset, self.chars = line, 0, 0

    def __call__(self, offset: int) -> int:
        seen = self.line[self.offset : offset]
        self.chars += len(seen.translate(None, _CONTINUATION))
        self.offset = offset
        return self.chars + 1


def score_lines(defs: Definitions, lines: Iterable[bytes | TooLong]) -> Iterator[LineResult]:
    """A result for every non-blank line (blank lines are allowed and give nothing)."""
    validate = AnswerValidator(defs).validate  # each question's checker built once
    too_long = f"the line is longer than {LIMIT_TEXT}; one answer set may hold at most {LIMIT_TEXT}"
    for number, line in enumerate(lines, 1):
        if isinstance(line, TooLong):
            yield LineResult(number, None, [AnswerProblem(LINE, too_long)])
            continue
        if not line.strip():
            continue
        record = parse_record(line)
        if not record.read:
            yield LineResult(number, None, list(record.problems))
            continue
        try:
            checked = validate(record.data)
        except AnswersError as exc:
            yield LineResult(number, None, [*record.problems, *exc.problems])
            continue
        if record.problems:
            yield LineResult(number, None, list(record.problems))
            continue
        yield LineResult(number, assess(defs, checked.answers), warnings=checked.warnings)

"""Mutators for the fuzz tests: small, seeded changes to a YAML, JSON or JSON Lines file.

Each change is one a person, an editor or an attacker could make: flipped or odd bytes,
lines deleted, doubled or swapped, YAML tags on values they do not fit, huge or odd scalars,
deep nesting, nested aliases, a BOM, tabs, truncation. `mutate` applies a few at random.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

TAGS = (
    *("!!int", "!!float", "!!bool", "!!timestamp", "!!binary", "!!set", "!!str", "!!null"),
    *("!!seq", "!!map", "!!omap", "!!pairs", "!!merge", "!!value", "!local"),
    *("!!python/object/apply:os.system", "!<tag:yaml.org,2002:int>"),
)
ODD_SCALARS = (
    *("9" * 4301, "-" + "9" * 5000, "1" + "0" * 400, "0x" + "f" * 3000, '"' + "x" * 20_000 + '"'),
    *("1e400", "-1e400", "1e308", "4.9e-324", "-0.0", ".nan", ".inf", "-.inf", "0o777", "0b1011"),
    *("1_000", "1:30:00", "2026-13-45", "2001-12-14t21:59:43.10-05:00", "~", "''", "[]", "{}"),
    *("*undefined", "yes", "off", "y", "=", "|", "<<", "&a", "? complex", "!!binary aGVsbG8="),
    *('"\\ud800"', '"\\0\\x85\\u2028"', "\u202eright-to-left", "zero\u200bwidth", "\ufeff"),
    *("e\u0301\u0301\u0301", "\U0001f9b5", "\U0010ffff"),
)
WEIRD_BYTES = (b"\x00", b"\xff", b"\xfe", b"\r", b"\t", b"\x1b[2J", b"\xef\xbb\xbf", b"\xc3")
DEPTHS = (20, 99, 100, 101, 300, 500, 1000, 5000)


def deep(rng: random.Random) -> str:
    """A value nested `depth` lists or mappings deep, flow style."""
    depth = rng.choice(DEPTHS)
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return "{a: " * depth + "1" + "}" * depth


def laughs(rng: random.Random) -> str:
    """Aliases of aliases: `levels` levels of `width` aliases each (a bounded billion laughs)."""
    width, levels = rng.randint(2, 10), rng.randint(2, 9)
    out = ["&l0 [x]"]
    for level in range(1, levels):
        out.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "[" + ", ".join(out) + "]"


def odd_value(rng: random.Random) -> str:
    """One value a hostile or careless file might hold."""
    pick = rng.random()
    if pick < 0.15:
        return deep(rng)
    if pick < 0.22:
        return laughs(rng)
    if pick < 0.3:
        return f"{rng.choice(TAGS)} {rng.choice(ODD_SCALARS)}"
    return rng.choice(ODD_SCALARS)


VALUE_LINE = re.compile(rb"^(\s*(?:- )?(?:[\w'\"-]+:)?\s*)(\S.*)?$")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b"\n"]


def _a_line(lines: list[bytes], rng: random.Random) -> int:
    return rng.randrange(len(lines))


def mutate_text(data: bytes, rng: random.Random, corpus: Sequence[bytes]) -> bytes:
    """One random edit of a YAML (or JSON) file: bytes, lines, tags, values, structure."""
    lines = _lines(data)
    i = _a_line(lines, rng)
    line = lines[i]
    op = rng.randrange(16)
    if op == 0 and data:  # flip one bit
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if op == 1:  # insert odd bytes
        at = rng.randrange(len(data) + 1)
        return data[:at] + rng.choice(WEIRD_BYTES) + data[at:]
    if op == 2:  # delete a line
        del lines[i]
    elif op == 3:  # duplicate a line (a duplicate key, or a list item twice)
        lines.insert(rng.randrange(len(lines) + 1), line)
    elif op == 4:  # swap two lines
        j = _a_line(lines, rng)
        lines[i], lines[j] = lines[j], lines[i]
    elif op in (5, 6, 7):  # tag a value, or replace it with an odd one
        match = VALUE_LINE.match(line.rstrip(b"\r\n"))
        if match and match.group(2):
            head, value = match.group(1), match.group(2)
            new = rng.choice(TAGS).encode() + b" " + value if op == 5 else odd_value(rng).encode()
            lines[i] = head + new + b"\n"
    elif op == 8:  # a byte order mark, at the start or not
        at = 0 if rng.random() < 0.7 else rng.randrange(len(data) + 1)
        return data[:at] + "\ufeff".encode() + data[at:]
    elif op == 9:  # indentation off by a little, or a tab
        stripped = line.lstrip(b" ")
        indent = len(line) - len(stripped)
        width = rng.choice([max(indent - 2, 0), max(indent - 1, 0), indent + 1, indent + 2])
        lines[i] = (b"\t" if rng.random() < 0.2 else b" " * width) + stripped
    elif op == 10:  # cut the file short
        return data[: rng.randrange(len(data) + 1)]
    elif op == 11 and corpus:  # a line from another file
        lines.insert(i, rng.choice(_lines(rng.choice(corpus))))
    elif op == 12:  # directives and document markers
        marker = rng.choice([b"---\n", b"...\n", b"%YAML 1.1\n", b"%TAG !x! tag:x,2000:\n"])
        lines.insert(rng.choice([0, i]), marker)
    elif op == 13:  # an anchor here, aliases of it elsewhere
        match = VALUE_LINE.match(line.rstrip(b"\r\n"))
        if match and match.group(2):
            lines[i] = match.group(1) + b"&x " + match.group(2) + b"\n"
            j = _a_line(lines, rng)
            m2 = VALUE_LINE.match(lines[j].rstrip(b"\r\n"))
            if m2 and m2.group(2):
                lines[j] = m2.group(1) + rng.choice([b"*x", b"*y", b"{<<: *x}"]) + b"\n"
    elif op == 14:  # Windows or old Mac line ends
        return data.replace(b"\n", rng.choice([b"\r\n", b"\r"]))
    else:  # one line many times: size, and many problems at once (issue #9 item 8)
        lines[i:i] = [line] * rng.choice([10, 100, 1000, 3000])
    return b"".join(lines)


def mutate(data: bytes, rng: random.Random, corpus: Sequence[bytes], most: int = 3) -> bytes:
    """One to `most` edits in a row."""
    for _ in range(rng.randint(1, most)):
        data = mutate_text(data, rng, corpus)
    return data

"""Text laid out in terminal cells: paragraphs, lists and frames, wrapped at word boundaries.

Used by the text report and by the quiz (which wraps its prompts before the first question,
so this module imports nothing of the report). A small wrapper of our own rather than a
terminal library: importing rich cost more than the rest of `kinecheck assess` (see
benchmarks/). Lists hang their wrapped lines under the text, not under the marker, so the
report stays readable at 40 columns.

Columns are measured by wcwidth rather than a table of our own, which got emoji with a skin
tone or in a ZWJ sequence wrong, so frames came out ragged. wcwidth is imported only for text
beyond printable ASCII and our frame characters: its import (about 30 ms) would otherwise slow
down every report, and most are ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

# ANSI SGR parameters; used only when writing to a colour terminal
BOLD, ITALIC, DIM, HEADING = "1", "3", "2", "1;4"

Span = tuple[str, str | None]  # text and its style (None: unstyled)
# frame corners (top left, top right, bottom left, bottom right), lines, and the list bullet
BOX = ("╭", "╮", "╰", "╯", "─", "│", "•")
ASCII_BOX = ("+", "+", "+", "+", "-", "|", "*")


# One column each, as wcwidth measures them too (tests check): printable ASCII and what we draw.
NARROW = frozenset(map(chr, range(0x20, 0x7F))) | frozenset("".join(BOX))
_OUR_SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes Layout.style writes


def cells(text: str) -> int:
    """Columns a string takes in a terminal, as wcwidth measures them.

    wcswidth says -1 for a string with a control character; a terminal draws nothing for one
    (or acts on it), so those then count as no column, and escape sequences as none either.
    """
    if NARROW.issuperset(text):
        return len(text)
    import wcwidth

    size = wcwidth.wcswidth(text)
    return size if size >= 0 else wcwidth.width(text, control_codes="ignore")


def graphemes(text: str) -> Iterator[str]:
    """The characters a reader sees (user-perceived characters), per wcwidth.

    An emoji with its skin tone, a flag, a letter with its accents is one each: a long word
    may be cut between these, never inside one.
    """
    if NARROW.issuperset(text):
        return iter(text)
    import wcwidth

    return wcwidth.iter_graphemes(text)


class Layout:
    """Lines of a report at a fixed width, optionally with colour codes."""

    def __init__(
        self, width: int, *, colour: bool = False, plain: bool = False, ascii: bool = False
    ) -> None:
        self.width = width
        self.colour = colour
        self.plain = plain
        self.ascii = ascii
        self.box = ASCII_BOX if ascii else BOX
        self.bullet = "-" if plain else self.box[6]
        self.lines: list[str] = []

    def text(self) -> str:
        """Everything laid out so far, one line each, without trailing spaces."""
        return "\n".join(line.rstrip() for line in self.lines) + "\n"

    # -- building blocks ---------------------------------------------------------------------
    def style(self, text: str, sgr: str | None) -> str:
        """`text` in a style, when writing in colour."""
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.colour and sgr and text else text

    def blank(self) -> None:
        """An empty line between blocks."""
        self.lines.append("")

    def para(self, spans: Sequence[Span] | str, indent: int = 0) -> None:
        """A paragraph wrapped at the width, every line indented alike."""
        if isinstance(spans, str):
            spans = [(spans, None)]
        lead = " " * indent
        self.lines += [lead + self._line(line) for line in wrap(spans, self.width - indent)]

    def items(self, pairs: Iterable[tuple[str, Sequence[Span] | str]], indent: int = 0) -> None:
        """Marker and text side by side; wrapped lines hang under the text."""
        rows = list(pairs)
        if not rows:
            return
        mark = max(cells(m) for m, _ in rows)
        for marker, body in rows:
            spans = [(body, None)] if isinstance(body, str) else list(body)
            padded = " " * (mark - cells(marker)) + marker + " "
            lines = wrap(spans, self.width - indent - mark - 1)
            for i, line in enumerate(lines):
                lead = padded if i == 0 else " " * (mark + 1)
                self.lines.append(" " * indent + lead + self._line(line))

    def inner(self) -> Layout:
        """An empty layout for what goes in a frame (narrower, unless plain)."""
        width = self.width if self.plain else self.width - 4
        return Layout(width, colour=self.colour, plain=self.plain, ascii=self.ascii)

    def framed(self, title: str, sgr: str | None, body: Layout) -> None:
        """A block under its title, in a frame unless plain."""
        if self.plain:
            self.para([(title, BOLD)])
            self.lines += body.lines
            return
        label = title
        if cells(title) > self.width - 6:
            label = "".join(p for p, _ in _cut([(title, None)], self.width - 9)[0]) + "..."
        tl, tr, bl, br, across, down, _ = self.box
        top = f"{tl}{across} {label} " + across * max(self.width - 5 - cells(label), 0) + tr
        self.lines.append(self.style(top, sgr))
        side = self.style(down, sgr)
        for line in body.lines:
            pad = " " * max(self.width - 4 - visible_cells(line), 0)
            self.lines.append(f"{side} {line}{pad} {side}")
        self.lines.append(self.style(bl + across * (self.width - 2) + br, sgr))

    def _line(self, words: list[list[Span]]) -> str:
        """One wrapped line: words joined by spaces, runs of one style coloured together."""
        runs: list[list[str | None]] = []
        for i, word in enumerate(words):
            for j, (piece, sgr) in enumerate(word):
                if i and not j:
                    piece = " " + piece
                if runs and runs[-1][1] == sgr:
                    runs[-1][0] = f"{runs[-1][0]}{piece}"
                else:
                    runs.append([piece, sgr])
        return "".join(self.style(str(text), sgr) for text, sgr in runs)


def visible_cells(line: str) -> int:
    """Columns a laid-out line takes, our colour codes aside."""
    return cells(_OUR_SGR.sub("", line) if "\x1b" in line else line)


_BREAK: list[Span] = []  # stands for a line break the author wrote


def wrap(spans: Sequence[Span], width: int) -> list[list[list[Span]]]:
    """Greedy word wrap of styled text: lines of words, each word a list of styled pieces.

    Line breaks in the text are kept (an author may write a list in a block scalar); words
    longer than a line are cut, so nothing runs past the width however narrow it is.
    """
    width = max(width, 1)
    words: list[list[Span]] = []
    glue = False  # the previous span ended inside a word
    for text, sgr in spans:
        for n, part in enumerate(text.split("\n")):
            if n:
                words.append(_BREAK)
                glue = False
            pieces = part.split()
            if not pieces:
                glue = glue and not part
                continue
            if glue and not part[0].isspace():
                words[-1] = [*words[-1], (pieces.pop(0), sgr)]
            words += [[(p, sgr)] for p in pieces]
            glue = not part[-1].isspace()
    while words and words[-1] is _BREAK:  # a block scalar's final newline adds no line
        words.pop()
    while words and words[0] is _BREAK:
        words.pop(0)
    lines: list[list[list[Span]]] = [[]]
    used = 0
    for word in words:
        if word is _BREAK:
            lines.append([])
            used = 0
            continue
        size = _word_cells(word)
        if lines[-1] and used + 1 + size > width:
            lines.append([])
            used = 0
        while size > width:  # a word longer than a line: cut it
            head, word = _cut(word, width)
            lines[-1].append(head)
            lines.append([])
            size = _word_cells(word)
        if word:
            used += (1 if lines[-1] else 0) + size
            lines[-1].append(word)
    return lines


def _word_cells(word: list[Span]) -> int:
    """Columns of a word measured whole: a style may change inside an emoji sequence."""
    return cells("".join(p for p, _ in word))


def _cut(word: list[Span], room: int) -> tuple[list[Span], list[Span]]:
    """The first `room` columns of a word (at least one grapheme), and the rest.

    Graphemes are found in the whole word, not per styled piece, so a character is never
    parted from its accents, skin tone, selector or the rest of its ZWJ sequence or flag.
    """
    end = used = 0
    for grapheme in graphemes("".join(p for p, _ in word)):
        used += cells(grapheme)
        if used > room and end:
            break
        end += len(grapheme)
    head: list[Span] = []
    rest: list[Span] = []
    for piece, sgr in word:
        if end >= len(piece):
            head.append((piece, sgr))
        elif end:
            head.append((piece[:end], sgr))
            rest.append((piece[end:], sgr))
        else:
            rest.append((piece, sgr))
        end = max(end - len(piece), 0)
    return head, rest

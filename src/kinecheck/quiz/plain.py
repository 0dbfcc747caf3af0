"""The accessible front end: one line per prompt, read with readline, for screen readers and pipes.

No redraws, colour, boxes or emoji: every prompt says where you are, lists numbered choices,
names the default in words and echoes the accepted answer, so it reads well aloud and can be
scripted (`kinecheck take --plain < answers.txt`).

Lines are wrapped at word boundaries to the terminal's width (or COLUMNS), without indents,
since a terminal would otherwise break them mid-word. Over a pipe with no COLUMNS nothing is
wrapped: a script then gets each prompt on one line.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from kinecheck.quiz.asking import (
    BACK,
    BACK_WORDS,
    Check,
    Intro,
    Prompt,
    ReviewRow,
    SaveChoice,
)
from kinecheck.render.formats import SAVE_FORMATS
from kinecheck.render.layout import cells, wrap

_YES_NO_WORDS = {"y": "yes", "n": "no", "not sure": "not_sure", "unsure": "not_sure"}


class PlainAsker:
    """Asks questions as numbered lines of text; raises EOFError when the input ends."""

    def __init__(
        self, stdin: TextIO | None = None, stdout: TextIO | None = None, width: int | None = None
    ) -> None:
        self.inp = stdin if stdin is not None else sys.stdin
        self.out = stdout if stdout is not None else sys.stdout
        self.width = line_width(self.out) if width is None else width
        try:
            self._echo_newline = not self.inp.isatty()
        except (AttributeError, ValueError):
            self._echo_newline = True

    # -- input and output ----------------------------------------------------------------------
    def say(self, text: str) -> None:
        """Write one line (wrapped at the width)."""
        self.out.write(fold(text, self.width) + "\n")
        self.out.flush()

    def _read(self, prompt_line: str) -> str:
        self.out.write(fold(prompt_line, self.width) + " ")
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.out.write("\n")
            raise EOFError
        if self._echo_newline:  # a pipe does not echo the Enter key
            self.out.write("\n")
        return line.strip()

    def _read_or_none(self, prompt_line: str) -> str | None:
        """A line, or None once the input has ended (for the steps after the last question)."""
        try:
            return self._read(prompt_line)
        except EOFError:
            return None

    # -- the Asker interface -------------------------------------------------------------------
    def start(self, intro: Intro) -> None:
        """Title, purpose and how to answer, in plain sentences."""
        self.say(intro.title)
        if intro.description:
            self.say(intro.description)
        for note in intro.notes:
            self.say(note)
        if intro.minutes:
            self.say(f"It takes about {intro.minutes} minutes.")
        self.say(
            "Answer each question by typing and pressing Enter. Type ? for help on a question, "
            "or back to return to the previous one. Press Control-C to stop: your answers are "
            "saved for later."
        )

    def ask(self, prompt: Prompt, check: Check) -> Any:
        """Ask until the answer passes `check`; return it, or BACK."""
        if prompt.new_section:
            self.say("")
            intro = f" {prompt.section_intro}" if prompt.section_intro else ""
            self.say(f"Section: {prompt.section}.{intro}")
        if prompt.instructions:
            self.say("How to do this test:")
            for number, step in enumerate(prompt.instructions, 1):
                self.say(f"Step {number}. {step}")
        line_text = prompt_line(prompt)
        while True:
            line = self._read(line_text)
            word = line.lower()
            if word == "?":
                self._help(prompt)
                continue
            if word in BACK_WORDS and (prompt.kind != "text" or word == "back"):
                if prompt.can_go_back:
                    return BACK
                self.say("There is no earlier question to go back to.")
                continue
            raw, problem = self._parse(prompt, line)
            if problem is None:
                value, problem = check(raw)
            if problem is not None:
                self.say(f"Not accepted: {problem}. Please try again, or type ? for help.")
                continue
            check.keep(value)  # saved before it is echoed: a kill after the echo loses nothing
            self.say(f"Answer: {prompt.answer_words(value)}.")
            return value

    def review(self, rows: list[ReviewRow]) -> str | None:
        """Number every answer; a number picks one to change, Enter goes on to the report.

        Input that ends here means no changes: every question is answered, so a script that
        sends exactly the answers and nothing more gets its report (not an error).
        """
        self.say("")
        self.say("Your answers:")
        for number, row in enumerate(rows, 1):
            self.say(f"{number}. {row.text} {row.answer}")
        while True:
            line = self._read_or_none(
                "Type the number of an answer to change it, or press Enter to see your report:"
            )
            if not line:
                return None
            if line.isdigit() and 1 <= int(line) <= len(rows):
                return rows[int(line) - 1].id
            if line.lower() in BACK_WORDS and rows:
                return rows[-1].id
            self.say(f"Not accepted: type a number from 1 to {len(rows)}, or just press Enter.")

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        """Offer Markdown, HTML or JSON, then a file name with a default.

        Input that ends at either question means don't save: nothing is written that the
        person did not confirm, and the report is already on the screen.
        """
        choices = ", ".join(f"{n} {f.title}" for n, f in enumerate(SAVE_FORMATS, 2))
        while True:
            line = self._read_or_none(
                f"Save this report to a file? 1 No, {choices}. "
                "Type a number, or press Enter for No:"
            )
            if line is None or line in ("", "1") or line.lower() in ("n", "no"):
                return None
            if line.isdigit() and 2 <= int(line) <= len(SAVE_FORMATS) + 1:
                chosen = SAVE_FORMATS[int(line) - 2]
                fmt, ext = chosen.name, chosen.suffix
                break
            self.say(f"Not accepted: type a number from 1 to {len(SAVE_FORMATS) + 1}.")
        default = default_stem + ext
        path = self._read_or_none(f"File name, or press Enter for {default}:")
        if path is None:
            return None
        return SaveChoice(fmt, path or default)

    def confirm_overwrite(self, path: str) -> bool:
        """Replace an existing file only on a typed yes; Enter or the end of input keep it."""
        line = self._read_or_none(f"{path} already exists. Replace it? 1 No, 2 Yes. Type a number:")
        return line is not None and (line == "2" or line.lower() in ("y", "yes"))

    # -- helpers -------------------------------------------------------------------------------
    def _help(self, prompt: Prompt) -> None:
        self.say(f"Help: {prompt.help}" if prompt.help else "No extra help for this question.")
        for number, option in enumerate(prompt.options, 1):
            if option.help:
                self.say(f"{number} {option.label}: {option.help}")
        if any(o.exclusive for o in prompt.options):
            alone = " or ".join(o.label for o in prompt.options if o.exclusive)
            self.say(f"{alone} must be picked on its own.")
        if prompt.can_go_back:
            self.say("Type back to return to the previous question.")

    def _parse(self, prompt: Prompt, line: str) -> tuple[Any, str | None]:
        """Turn typed numbers or words into choice ids; numbers and text pass through."""
        if not line:
            if prompt.default is not None:
                return prompt.default, None
            return None, None
        if prompt.kind in ("number", "text"):
            return line, None
        if prompt.kind == "multi":
            picked = []
            for token in line.replace(";", ",").replace(" ", ",").split(","):
                if token:
                    choice = _option(prompt, token)
                    if choice is None:
                        return None, _which(prompt, token)
                    picked.append(choice)
            return picked, None
        choice = _option(prompt, line)
        return (choice, None) if choice is not None else (None, _which(prompt, line))


def line_width(stream: TextIO) -> int:
    """Cells per line: COLUMNS, else the terminal's width, less one; 0 (no wrapping) for a pipe.

    One column is left free so that the answer typed after a prompt's last line, or the
    cursor, never lands at the edge.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns) - 1, 20)
    try:
        if stream.isatty():
            return max(os.get_terminal_size(stream.fileno()).columns - 1, 20)
    except (AttributeError, ValueError, OSError):
        pass
    return 0


def fold(text: str, width: int) -> str:
    """`text` broken at word boundaries into lines of at most `width` cells (0: left as it is).

    A bare number stays with the word after it, so a choice is never split from its number
    ('2' at the end of one line, 'My right knee' on the next). A word longer than a line is
    cut by the report's wrapper, which knows how wide every character is.
    """
    if not width or ("\n" not in text and cells(text) <= width):
        return text
    lines: list[str] = []
    for paragraph in text.split("\n"):
        units: list[str] = []
        glue = False
        for word in paragraph.split():
            if glue:
                units[-1] += " " + word
            else:
                units.append(word)
            glue = word.isdigit()
        line = ""
        for unit in units:
            if line and cells(line) + 1 + cells(unit) > width:
                lines.append(line)
                line = ""
            if cells(unit) > width:
                *whole, line = (_joined(words) for words in wrap([(unit, None)], width))
                lines += whole
            else:
                line = f"{line} {unit}" if line else unit
        lines.append(line)
    return "\n".join(lines)


def _joined(words: list[list[tuple[str, str | None]]]) -> str:
    return " ".join("".join(piece for piece, _ in word) for word in words)


def _option(prompt: Prompt, token: str) -> str | None:
    """A choice id from its number, id or words (case does not matter)."""
    token = token.strip().lower()
    if token.isdigit():
        index = int(token) - 1
        return prompt.options[index].id if 0 <= index < len(prompt.options) else None
    if prompt.kind == "yes_no":
        token = _YES_NO_WORDS.get(token, token)
    for option in prompt.options:
        if token in (option.id, option.label.lower()):
            return option.id
    return None


def _which(prompt: Prompt, token: str) -> str:
    count = len(prompt.options)
    return f"'{token}' is not one of the numbers 1 to {count}"


def prompt_line(prompt: Prompt) -> str:
    """The whole prompt as one line, as a screen reader would read it."""
    parts = [f"{prompt.progress_text}.", prompt.text]
    if prompt.options:
        listed = ", ".join(f"{n} {o.label}" for n, o in enumerate(prompt.options, 1))
        parts.append(listed + ".")
    if prompt.kind == "multi":
        how = "Type one or more numbers separated by commas, like 1,3"
    elif prompt.options:
        how = "Type a number"
    elif prompt.kind == "number":
        whole = "a whole number" if prompt.whole else "a number"
        how = f"Type {whole} from {prompt.range_text}"
    else:
        how = "Type your answer"
    if prompt.default is not None and prompt.default != []:
        how += f", or press Enter for {prompt.answer_words(prompt.default)}"
    elif prompt.optional:
        how += ", or press Enter to skip"
    parts.append(how + ":")
    return " ".join(parts)

"""What a front end needs to ask one question: plain data, no definitions and no UI library.

The quiz loop (`kinecheck.quiz.loop`) turns a question into a `Prompt`; a front end (`prompting` for
terminals, `plain` for screen readers and pipes) shows it and returns what the person typed.
Keeping this module free of pydantic and questionary keeps the front ends swappable and the
start-up light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kinecheck.numbers import number_text
from kinecheck.records import Record, record

Kind = Literal["single", "multi", "yes_no", "number", "text"]
Verdict = Callable[[Any], tuple[Any, "str | None"]]
"""Normalise one raw answer or say why it is not allowed (wraps AnswerValidator.check_one)."""


def _keep_nothing(value: Any) -> None:
    """What `Check.keep` does when no quiz records the answer (a prompt shown on its own)."""


@record
class Check(Record):
    """What a front end does with what was typed: check it, then keep it before echoing it.

    `check(raw)` returns the normalised answer and None, or None and the reason it is refused;
    front ends call it as often as they like (while typing, too). `check.keep(value)` records
    an accepted answer for good: the quiz saves it there. A front end calls `keep` before it
    echoes the answer, so an answer on screen is an answer on disk, and a process killed right
    after the echo loses nothing.
    """

    verdict: Verdict
    keep: Callable[[Any], None] = _keep_nothing

    def __call__(self, raw: Any) -> tuple[Any, str | None]:
        """The answer `raw` normalised and None, or None and why it is not accepted."""
        return self.verdict(raw)


class _Back:
    """The answer 'go back to the previous question' (a singleton)."""

    _instance: _Back | None = None

    def __new__(cls) -> _Back:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BACK"


BACK: Any = _Back()
BACK_WORDS = frozenset({"back", "b", "<"})


@record
class Option(Record):
    """One choice as shown: its id (the answer), its words and optional help."""

    id: str
    label: str
    help: str | None = None
    exclusive: bool = False


@record
class Prompt(Record):
    """One question, ready to show: wording, choices or range, default, and where we are."""

    id: str
    kind: Kind
    text: str
    number: int
    total: int
    total_exact: bool
    section: str
    help: str | None = None
    instructions: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    whole: bool = False
    min_label: str | None = None
    max_label: str | None = None
    default: Any = None
    optional: bool = False
    section_intro: str | None = None
    new_section: bool = False
    can_go_back: bool = True

    @property
    def progress_text(self) -> str:
        """'Question 7 of about 22' (or 'of 22' once the count can no longer change)."""
        about = "" if self.total_exact else "about "
        return f"Question {self.number} of {about}{self.total}"

    @property
    def range_text(self) -> str:
        """'0 to 24 hours', with the scale's end labels when it has them."""
        low, high = number_text(self.minimum), number_text(self.maximum)
        if self.min_label:
            low += f" ({self.min_label})"
        if self.max_label:
            high += f" ({self.max_label})"
        unit = f" {self.unit}" if self.unit else ""
        return f"{low} to {high}{unit}"

    def label_of(self, choice: str) -> str:
        """The words of a choice id (the id itself when unknown)."""
        for option in self.options:
            if option.id == choice:
                return option.label
        return choice

    def answer_words(self, value: Any) -> str:
        """An accepted answer in words, as it is echoed back."""
        if value is None:
            return "skipped"
        if isinstance(value, list):
            return ", ".join(self.label_of(v) for v in value)
        if self.kind in ("single", "yes_no"):
            return self.label_of(value)
        if self.kind == "number":
            return number_text(value) + (f" {self.unit}" if self.unit else "")
        return str(value)


@record
class Intro(Record):
    """What is said once before the first question."""

    title: str
    description: str | None = None
    minutes: int | None = None
    notes: tuple[str, ...] = ()


@record
class ReviewRow(Record):
    """One line of the summary shown before scoring."""

    id: str
    section: str
    text: str
    answer: str


@dataclass
class SaveChoice:
    """Where and how to save the report, as the person chose."""

    fmt: str
    path: str


class Asker(Protocol):
    """A front end: shows prompts and returns answers; raises KeyboardInterrupt or EOFError."""

    def start(self, intro: Intro) -> None:
        """Greet the person and say how to answer, go back and stop."""

    def say(self, text: str) -> None:
        """Show a line of information."""

    def ask(self, prompt: Prompt, check: Check) -> Any:
        """Ask until `check` accepts; `check.keep` it, echo it, return it (or BACK)."""

    def review(self, rows: list[ReviewRow]) -> str | None:
        """Show every answer; return a question id to change, or None to see the report."""

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        """Offer to save the report; None when the person declines."""

    def confirm_overwrite(self, path: str) -> bool:
        """Ask '`path` already exists. Replace it?' (default No); True only for a yes."""

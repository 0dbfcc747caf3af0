"""The error catalogue: every problem says where, what was wrong, what is allowed and how to fix it.

Problems are collected, not raised one at a time, so a user sees every mistake in one run.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from kinecheck.records import Record, record

# Exit codes, the same for every command (docs/contract.md).
EXIT_OK = 0
EXIT_FAILED = 1  # a check failed: `validate` found problems
EXIT_BAD_INPUT = 2  # usage, unreadable or invalid answers or definitions; every problem listed
EXIT_INTERRUPTED = 130  # Ctrl-C (or a closed terminal), after saving progress

# An error makes `validate` fail; a warning (from the linter, `kinecheck.definitions.lint`)
# fails it only with --strict.
Severity = Literal["error", "warning"]


@record
class Problem(Record):
    """One thing wrong with a definition file or an answers file."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.field) if p]
        text = (": ".join(parts) + ": " if parts else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


@record
class AnswerProblem(Record):
    """One invalid answer: the question, the value given and what is allowed."""

    question: str
    message: str
    value: object = None
    allowed: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        text = f"{self.question}: {self.message}"
        if self.allowed:  # after a question ("did you mean 'left'?") a new sentence, not ';'
            text += (
                f" Allowed: {self.allowed}" if text.endswith("?") else f"; allowed: {self.allowed}"
            )
        return text

    def as_dict(self) -> dict[str, object]:
        """The JSON form used in batch (jsonl) output."""
        return {
            "question": self.question,
            "value": self.value,
            "message": self.message,
            "allowed": self.allowed,
        }


class KinecheckError(Exception):
    """Base of every error a user can cause; the CLI turns it into a message and exit code 2."""


@dataclass
class DefinitionError(KinecheckError):
    """A questionnaire, rules or exercise file is broken; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class AnswersError(KinecheckError):
    """An answers file has invalid answers; carries every problem found."""

    problems: list[AnswerProblem] = field(default_factory=list)
    source: str | None = None

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        return "\n".join(head + str(p) for p in self.problems)


class InputError(KinecheckError):
    """A file cannot be read or parsed (missing, a directory, empty, not YAML/JSON)."""


# How many candidate ids the "did you mean" look-ups of one load of the definitions (or one
# `validate` of a file) may compare misspelt ids with, in all. A questionnaire has tens of ids,
# so this is hundreds of misspellings where a real file has a few; a generated file with 1,000
# questions and 1,000 misspelt names took 55 s, every misspelling compared with every id.
MAX_SUGGESTION_WORK = 20_000
_work_left: ContextVar[list[int] | None] = ContextVar("suggestion work left", default=None)


@contextmanager
def bounded_suggestions(work: int = MAX_SUGGESTION_WORK) -> Iterator[None]:
    """Within this block, suggestions stop once `work` candidate ids have been compared."""
    token = _work_left.set([work])
    try:
        yield
    finally:
        _work_left.reset(token)


def afford(work: int) -> bool:
    """Spend `work` of the current block's budget; False (nothing spent) when it is used up."""
    left = _work_left.get()
    if left is None:
        return True
    if left[0] < work:
        return False
    left[0] -= work
    return True


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a misspelled id most probably meant (ignoring case), or None.

    Characters that look alike (l and 1, O and 0) count as the same first, so `parq_l` means
    `parq_1`, never `parq_7`, which difflib alone scores the same; then the plain likeness,
    then a candidate of the same length. None as well once `bounded_suggestions` says enough
    ids have been compared.
    """
    pool = candidates if isinstance(candidates, Collection) else list(candidates)
    if not afford(len(pool)):
        return None
    import difflib  # only once something is misspelt

    target = str(word).lower()
    shaped_target = target.translate(_LOOK_ALIKE)
    plain, shaped = difflib.SequenceMatcher(), difflib.SequenceMatcher()
    plain.set_seq2(target)
    shaped.set_seq2(shaped_target)
    best: tuple[float, float, bool] | None = None
    found: str | None = None
    for candidate in pool:
        text = str(candidate)
        lower = text.lower()
        plain.set_seq1(lower)
        if plain.real_quick_ratio() < SUGGESTION_CUTOFF:
            continue  # too different in length to be meant (difflib's own first filter)
        shaped.set_seq1(lower.translate(_LOOK_ALIKE))
        if shaped.quick_ratio() < SUGGESTION_CUTOFF:  # an upper bound of both ratios
            continue
        score = (shaped.ratio(), plain.ratio(), len(lower) == len(target))
        if max(score[0], score[1]) >= SUGGESTION_CUTOFF and (best is None or score > best):
            best, found = score, text
    return found


SUGGESTION_CUTOFF = 0.6  # difflib's default: below it, two ids are not worth suggesting
# Characters a person reads (or types) one for the other: each mapped to one of its group.
_LOOK_ALIKE = str.maketrans({"l": "1", "i": "1", "|": "1", "o": "0", "s": "5", "z": "2"})


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """Return a 'did you mean ...?' hint for a misspelled id, or None when nothing is close."""
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match is not None else None

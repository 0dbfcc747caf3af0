"""Show the first question at once, loading the definitions while the person reads it.

Loading and compiling the definitions costs more than starting questionary, yet the first prompt
of a fresh quiz depends only on the questionnaire file. So the prompt is cached under the file's
sha256, shown straight away on the next run, and the definitions load in a thread once it is on
screen. The quiz then checks the typed answer as usual, and replays it only if the prompt it
would have shown is exactly the cached one. This module imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck import __version__, catalog, places, sessions
from kinecheck.asking import Check, Intro, Option, Prompt, ReviewRow, SaveChoice

if TYPE_CHECKING:
    from kinecheck.asking import Asker
    from kinecheck.loading import Definitions

CACHE_FORMAT = 1


@dataclass
class Warm:
    """The outcome of the early first prompt: its answer, or how the person stopped."""

    prompt: Prompt
    value: Any = None
    stopped: str | None = None
    defs: Definitions | None = None


def cache_path(questionnaire_file: Path) -> Path:
    """The cache file for this exact questionnaire text and kinecheck version."""
    digest = hashlib.sha256(questionnaire_file.read_bytes())
    digest.update(f"{__version__}/{CACHE_FORMAT}".encode())
    return places.cache_dir() / f"first-prompt-{digest.hexdigest()[:32]}.json"


def remember(questionnaire: str, questionnaire_id: str, intro: Intro, prompt: Prompt) -> None:
    """Store the first prompt of a fresh quiz for the next start (best effort)."""
    from kinecheck.fileio import write_atomic

    try:
        path = cache_path(catalog.resolve(questionnaire))
        if _read(path) != (questionnaire_id, intro, prompt):
            body = {
                "id": questionnaire_id,
                "intro": dataclasses.asdict(intro),
                "prompt": dataclasses.asdict(prompt),
            }
            write_atomic(path, json.dumps(body))
    except Exception:  # a cache must never break the quiz
        pass


def _read(path: Path) -> tuple[str, Intro, Prompt] | None:
    try:
        body = json.loads(path.read_bytes())
        qid = str(body["id"])
        intro = Intro(**{**body["intro"], "notes": tuple(body["intro"]["notes"])})
        raw = body["prompt"]
        prompt = Prompt(
            **{
                **raw,
                "options": tuple(Option(**o) for o in raw["options"]),
                "instructions": tuple(raw["instructions"]),
            }
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return qid, intro, prompt


def cached(questionnaire: str) -> tuple[Intro, Prompt] | None:
    """The cached greeting and first prompt, when a fresh quiz may start early."""
    try:
        found = _read(cache_path(catalog.resolve(questionnaire)))
    except Exception:  # e.g. an unknown name: the normal start reports it properly
        return None
    if found is None or sessions.exists(found[0]):  # the normal start tells of saved answers
        return None
    return found[1], found[2]


class _Loader(threading.Thread):
    """Loads the definitions in the background; `check` waits for it only when needed."""

    def __init__(self, questionnaire: str, question_id: str) -> None:
        super().__init__(daemon=True)
        self.questionnaire = questionnaire
        self.question_id = question_id
        self.defs: Definitions | None = None
        self._check: Check | None = None

    def run(self) -> None:
        try:
            from kinecheck import api
            from kinecheck.answers import AnswerValidator

            defs = api.load(self.questionnaire)
            validator = AnswerValidator(defs)
        except Exception:  # reported by the normal load that follows
            return
        qid = self.question_id

        def check(raw: Any) -> tuple[Any, str | None]:
            if qid not in validator.defs.questions:
                return raw, None
            value, problem = validator.check_one(qid, raw)
            return value, None if problem is None else problem.message

        self.defs, self._check = defs, check

    def check(self, raw: Any) -> tuple[Any, str | None]:
        """The usual check, once the definitions are there; until then accept (checked later)."""
        if self.ident is not None:
            self.join()
        return self._check(raw) if self._check is not None else (raw, None)


def ask_first(questionnaire: str, asker: Any) -> Warm | None:
    """Greet and ask the cached first question; None when there is no usable cache."""
    found = cached(questionnaire)
    if found is None:
        return None
    intro, prompt = found
    loader = _Loader(questionnaire, prompt.id)
    asker.start(intro)
    asker.on_shown(loader.start)
    warm = Warm(prompt)
    try:
        warm.value = asker.ask(prompt, loader.check)
    except KeyboardInterrupt:
        warm.stopped = "interrupted"
    except EOFError:
        warm.stopped = "end_of_input"
    if loader.ident is None:
        loader.start()
    loader.join()
    warm.defs = loader.defs
    return warm


class Replay:
    """An asker that already has the first answer: greets no more and replays it once."""

    def __init__(self, asker: Asker, warm: Warm) -> None:
        self.asker = asker
        self.warm = warm
        self.pending = warm.stopped is None

    def start(self, intro: Intro) -> None:
        """Already greeted."""

    def say(self, text: str) -> None:
        """Delegate."""
        self.asker.say(text)

    def ask(self, prompt: Prompt, check: Check) -> Any:
        """The early answer for the same prompt, then the real asker."""
        if self.pending and prompt == self.warm.prompt:
            self.pending = False
            return self.warm.value
        self.pending = False
        return self.asker.ask(prompt, check)

    def review(self, rows: list[ReviewRow]) -> str | None:
        """Delegate."""
        return self.asker.review(rows)

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        """Delegate."""
        return self.asker.offer_save(default_stem)

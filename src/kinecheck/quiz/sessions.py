"""Unfinished quizzes saved on Ctrl-C and resumed later with `kinecheck take --resume`.

Answers are health data: a session is one owner-only (0600) JSON file per questionnaire in the
user data directory (KINECHECK_DATA_DIR overrides it), written atomically and deleted as soon
as the quiz is finished. Nothing here logs or prints an answer.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck.errors import AnswersError, InputError
from kinecheck.places import data_dir

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions

FORMAT = 1


def session_path(questionnaire_id: str) -> Path:
    """The file holding the unfinished quiz of one questionnaire."""
    return data_dir() / "sessions" / f"{questionnaire_id}.json"


@dataclass
class Saved:
    """A saved, unfinished quiz as read back from disk."""

    questionnaire: dict[str, str]
    answers: dict[str, Any]
    saved_at: str


@dataclass
class Restored:
    """The answers kept from a saved session, and why others were dropped."""

    answers: dict[str, Any]
    dropped: list[str] = field(default_factory=list)
    changed: bool = False
    old_version: str | None = None


def save(defs: Definitions, answers: dict[str, Any]) -> Path:
    """Save the answers so far (atomically, owner-only); return the file written."""
    from datetime import UTC, datetime

    from kinecheck.fileio import write_atomic

    ref = defs.questionnaire_ref
    path = session_path(ref.id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = {
        "format": FORMAT,
        "questionnaire": dataclasses.asdict(ref),
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "answers": answers,
    }
    write_atomic(path, json.dumps(body, indent=1) + "\n")
    return path


def exists(questionnaire_id: str) -> bool:
    """True when an unfinished quiz of this questionnaire is saved."""
    return session_path(questionnaire_id).is_file()


def load(questionnaire_id: str) -> Saved | None:
    """Read a saved session; None when there is none, InputError when it is damaged."""
    path = session_path(questionnaire_id)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(_damaged(path, str(exc))) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("answers"), dict)
        and isinstance(data.get("questionnaire"), dict)
    ):
        raise InputError(_damaged(path, "it is not a kinecheck session"))
    return Saved(data["questionnaire"], data["answers"], str(data.get("saved_at", "")))


def _damaged(path: Path, why: str) -> str:
    return (
        f"the saved answers in {path} cannot be read ({why}); delete that file, "
        "or run `kinecheck take` without --resume to start again"
    )


def delete(questionnaire_id: str) -> None:
    """Forget the saved session (once the quiz is finished)."""
    session_path(questionnaire_id).unlink(missing_ok=True)


def restore(defs: Definitions, saved: Saved) -> Restored:
    """Re-check saved answers (partial=True), keeping the valid ones when the questionnaire changed.

    The check is the same one that answers files get, so a saved answer that the new version
    no longer accepts is dropped with the reason, and the quiz asks that question again.
    """
    from kinecheck.scoring.answers import AnswerValidator

    ref = defs.questionnaire_ref
    changed = saved.questionnaire.get("sha256") != ref.sha256
    validator = AnswerValidator(defs)
    raw = dict(saved.answers)
    dropped: list[str] = []
    try:
        checked = validator.validate(raw, partial=True)
    except AnswersError as exc:
        for problem in exc.problems:
            raw.pop(problem.question, None)
            dropped.append(f"{problem.question} ({problem.message})")
        checked = validator.validate(raw, partial=True)
    for gone in raw.keys() - checked.answers.keys():
        dropped.append(f"{gone} (no longer asked with your other answers)")
    old = saved.questionnaire.get("version")
    return Restored(checked.answers, dropped, changed, old if isinstance(old, str) else None)

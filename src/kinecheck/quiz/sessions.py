"""Unfinished quizzes, saved after every answer and resumed later with `kinecheck take --resume`.

Answers are health data: a session is one owner-only (0600) JSON file per questionnaire in the
user data directory (KINECHECK_DATA_DIR overrides it), in folders only its owner can open,
written atomically and deleted as soon as the quiz is finished. It is read back only when it
is plainly what kinecheck wrote there: a regular file of ours that nobody else can change, in
a folder of ours, of bounded size and depth (`kinecheck.fileio.read_private`). Nothing here
logs or prints an answer, not even from a damaged file.
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
    from kinecheck.fileio import NotOurs

FORMAT = 1
# The largest session file read back. One answer per question: the bundled quiz saves about
# 1 KB, and a questionnaire of hundreds of questions with free-text answers (2,000 characters
# each by default) stays far below; a file beyond it is not one kinecheck wrote.
MAX_SESSION_BYTES = 4_000_000
MAX_SESSION_TEXT = "4 MB"
# Lists and mappings inside one another: a session is 3 deep (the file, its answers, a list of
# choices). Deeper is damage, refused before anything recurses into it (600 deep crashed
# `--resume`; the JSON parser alone gives up near 1,000).
MAX_SESSION_DEPTH = 8
# A save takes milliseconds; a temporary copy older than this was left by a save that was
# killed, while a younger one may be another quiz's save at work (two windows, one quiz).
STALE_COPY_SECONDS = 60


class SessionNotSaved(Exception):
    """The answers could not be saved (a read-only home, a folder that is not ours).

    Its text says where and why ("/home/me/.local: permission denied"), never an answer.
    """


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
    """Save the answers so far (atomically, owner-only); return the file written.

    SessionNotSaved when they cannot be: the folder cannot be made or written, or it is not
    ours alone (answers are never written where someone else could read or swap them).
    """
    from datetime import UTC, datetime

    from kinecheck.fileio import NotOurs, check_private_folder, remove_leftovers, write_atomic
    from kinecheck.places import make_private_folder

    ref = defs.questionnaire_ref
    path = session_path(ref.id)
    body = {
        "format": FORMAT,
        "questionnaire": dataclasses.asdict(ref),
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "answers": answers,
    }
    try:
        make_private_folder(path.parent)
        check_private_folder(path.parent)
        remove_leftovers(path, older_than=STALE_COPY_SECONDS)  # left by a killed save
        write_atomic(path, json.dumps(body, indent=1) + "\n")
    except NotOurs as exc:
        raise SessionNotSaved(exc.why) from None
    except InputError as exc:  # a full disk: "PATH: cannot be written (...)"
        raise SessionNotSaved(str(exc)) from None
    except OSError as exc:  # a read-only home, a file where a folder should be
        where = exc.filename if isinstance(exc.filename, str) else path
        raise SessionNotSaved(f"{where}: {(exc.strerror or str(exc)).lower()}") from None
    return path


def exists(questionnaire_id: str) -> bool:
    """True when an unfinished quiz of this questionnaire is saved (as far as we can tell)."""
    try:
        return session_path(questionnaire_id).is_file()
    except OSError:
        return False


def load(questionnaire_id: str) -> Saved | None:
    """Read a saved session; None when there is none, InputError when it is damaged or not ours."""
    from kinecheck.fileio import NotOurs, check_private_folder, read_private

    path = session_path(questionnaire_id)
    try:
        check_private_folder(path.parent)
        raw = read_private(path, MAX_SESSION_BYTES, MAX_SESSION_TEXT)
    except (FileNotFoundError, NotADirectoryError):  # no file, or no folder that could hold one
        return None
    except NotOurs as exc:
        why = _not_ours(path, exc) if exc.untrusted else _damaged(path, exc.why)
        raise InputError(why) from None
    except OSError as exc:
        raise InputError(_damaged(path, (exc.strerror or str(exc)).lower())) from None
    data = _parse(raw, path)
    if not (
        isinstance(data, dict)
        and isinstance(data.get("answers"), dict)
        and isinstance(data.get("questionnaire"), dict)
    ):
        raise InputError(_damaged(path, "it is not a kinecheck session"))
    saved_at = data.get("saved_at")
    return Saved(
        data["questionnaire"], data["answers"], saved_at if isinstance(saved_at, str) else ""
    )


def _parse(raw: bytes, path: Path) -> Any:
    """The JSON of a session, refused as damaged when it nests deeper than a session can."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InputError(_damaged(path, _TOO_DEEP)) from None
    except UnicodeDecodeError:
        raise InputError(_damaged(path, "it is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:  # its message names a position, never the content
        why = f"it is not JSON: line {exc.lineno}, column {exc.colno}"
        raise InputError(_damaged(path, why)) from None
    if _too_deep(data):
        raise InputError(_damaged(path, _TOO_DEEP))
    return data


_TOO_DEEP = f"it nests lists or mappings more than {MAX_SESSION_DEPTH} deep"


def _too_deep(data: Any) -> bool:
    """True when lists and mappings nest more than MAX_SESSION_DEPTH deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        if depth > MAX_SESSION_DEPTH:
            return True
        stack.extend((item, depth + 1) for item in value)
    return False


def _damaged(path: Path, why: str) -> str:
    return (
        f"the saved answers in {path} cannot be read ({why}); delete that file, "
        "or run `kinecheck take` without --resume to start again"
    )


def _not_ours(path: Path, exc: NotOurs) -> str:
    """Someone else owns or can change the file or its folder: say so, and how to go on."""
    if exc.path == path:
        return (
            f"the saved answers in {path} were not read: {exc.why}, so they may not be yours; "
            "delete them with `kinecheck take --forget` and start again"
        )
    return (
        f"the saved answers in {path} were not read: {exc.why}, so they may not be yours; "
        f"if that folder is yours, make it private (`chmod 700 {exc.path}`) and check the "
        "file, or delete them with `kinecheck take --forget`"
    )


def delete(questionnaire_id: str) -> bool:
    """Forget the saved session and every copy a killed save left beside it; True if any was.

    OSError when it is there but cannot be deleted.
    """
    from kinecheck.fileio import remove_leftovers

    path = session_path(questionnaire_id)
    leftovers = remove_leftovers(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return leftovers > 0
    return True


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

"""What changed between two assessments of one client, each change judged as the definitions say.

A number answer or a score whose definition declares a `smallest_real_change` is judged
against it: a difference within it is "no real change" (measurement error, a different day),
one at least as large is a "real change", and with `better` declared, a change for the better
or the worse. Everything else that differs is "changed", or "new" / "gone" when it is there
on one side only. The figures live in the YAML, never here: this module only compares.

Differences are worked out exactly (decimal fractions, not binary floats), so 8.3 -> 6.8
is a change of exactly 1.5 and reads "real change" against 1.5, as a person reckons it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic.db import ClinicError
from kinecheck.clinic.sessions import definitions_of, result_of
from kinecheck.clinic.tables import COMPLETED, DefinitionFile, Session
from kinecheck.definitions.questionnaire import (
    MultiChoice,
    NumberBase,
    QuestionBase,
    SingleChoice,
    YesNo,
    choice_label,
)
from kinecheck.definitions.scores_check import exact
from kinecheck.numbers import number_text

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions
    from kinecheck.definitions.questionnaire import Better

Verdict = Literal["real change", "no real change", "changed", "new", "gone"]
ChangeKind = Literal["answer", "finding", "score", "referral"]
Direction = Literal["better", "worse"]
REFERRAL_ID = "referral"
REFERRAL_TITLE = "Referral"


@dataclass(frozen=True)
class Change:
    """One thing that differs between two assessments (or a measure judged to be unchanged)."""

    kind: ChangeKind
    id: str  # question id, finding id, score id, or "referral"
    title: str  # question prompt / finding title / score title / "Referral"
    before: str | None  # in words: "8.5 cm", "likely", "42", "soon"; None when absent
    after: str | None
    difference: float | None  # after - before, for numbers
    smallest_real_change: float | None
    verdict: Verdict
    direction: Direction | None  # only when `better` is declared and verdict is "real change"


@dataclass(frozen=True)
class Yardstick:
    """How a change in one number is judged: both from the definitions, either may be absent."""

    smallest_real_change: float | None = None
    better: Better | None = None


def yardstick_of(item: object) -> Yardstick:
    """The yardstick a number question or a score declares (an empty one for anything else)."""
    return Yardstick(getattr(item, "smallest_real_change", None), getattr(item, "better", None))


def is_number(value: Any) -> TypeGuard[int | float]:
    """True for an int or a float answer (never a bool, which JSON keeps apart)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_change(
    kind: ChangeKind,
    item_id: str,
    title: str,
    values: tuple[float, float],
    words: tuple[str, str],
    yardstick: Yardstick,
) -> Change:
    """A number that went from `values[0]` to `values[1]`, judged against the yardstick."""
    difference = exact(values[1]) - exact(values[0])
    src = yardstick.smallest_real_change
    verdict: Verdict
    direction: Direction | None = None
    if difference == 0:  # the same value is never a real change, declared or not
        verdict = "no real change"
    elif src is None:
        verdict = "changed"
    elif abs(difference) < exact(src):
        verdict = "no real change"
    else:
        verdict = "real change"
        if yardstick.better is not None:
            up = difference > 0
            direction = "better" if up == (yardstick.better == "higher") else "worse"
    return Change(
        kind, item_id, title, words[0], words[1], float(difference), src, verdict, direction
    )


def presence_change(
    kind: ChangeKind, item_id: str, title: str, before: str | None, after: str | None
) -> Change:
    """Something not a number, or there on one side only: "new", "gone" or "changed"."""
    verdict: Verdict = "new" if before is None else "gone" if after is None else "changed"
    return Change(kind, item_id, title, before, after, None, None, verdict, None)


def answer_words(question: QuestionBase | None, value: Any) -> str:
    """An answer as the questionnaire words it: "8.5 cm", "My left knee", "Stairs, Running"."""
    if isinstance(question, NumberBase) and is_number(value):
        return f"{number_text(value)} {question.unit}" if question.unit else number_text(value)
    if isinstance(question, MultiChoice) and isinstance(value, list):
        return ", ".join(choice_label(question, str(v)) for v in value)
    if isinstance(question, SingleChoice | YesNo):
        return choice_label(question, str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return number_text(value) if is_number(value) else str(value)


def compare_reports(
    defs: Definitions, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[Change]:
    """What differs between two report JSON documents (the contract), in report order.

    Answers in questionnaire order, then findings, the referral and the scores. Besides what
    differs, every number answer and score with a smallest real change that both reports
    hold is listed, so that "no real change" is said, not left out.
    """
    return [
        *_answer_changes(defs, before.get("answers") or {}, after.get("answers") or {}),
        *_finding_changes(before.get("findings") or [], after.get("findings") or []),
        *_referral_changes(before.get("referral") or {}, after.get("referral") or {}),
        *_score_changes(defs, before.get("scores") or [], after.get("scores") or []),
    ]


def _answer_changes(
    defs: Definitions, before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[Change]:
    """Answers that differ, and judged numbers, in the order the questionnaire asks them."""
    ids = list(dict.fromkeys([*before, *after]))
    order = defs.position
    ids.sort(key=lambda qid: order.get(qid, len(order)))
    for qid in ids:
        question = defs.questions.get(qid)
        title = question.prompt if question is not None else qid
        old, new = before.get(qid), after.get(qid)
        if is_number(old) and is_number(new):
            yardstick = yardstick_of(question)
            if old != new or yardstick.smallest_real_change is not None:
                words = (answer_words(question, old), answer_words(question, new))
                yield number_change("answer", qid, title, (old, new), words, yardstick)
        elif _same(old, new):
            continue
        else:
            yield presence_change(
                "answer",
                qid,
                title,
                None if old is None else answer_words(question, old),
                None if new is None else answer_words(question, new),
            )


def _same(old: Any, new: Any) -> bool:
    """Equal answers; the choices of a multiple choice in any order."""
    if isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) == sorted(map(str, new))
    return bool(old == new)


def _finding_changes(before: list[Any], after: list[Any]) -> Iterator[Change]:
    """Findings whose level changed, that appeared, or that went away."""
    old = {f["id"]: f for f in before}
    new = {f["id"]: f for f in after}
    for fid in dict.fromkeys([*new, *old]):
        was, now = old.get(fid), new.get(fid)
        level_was = None if was is None else str(was["level"])
        level_now = None if now is None else str(now["level"])
        if level_was != level_now:
            title = str((now or was or {}).get("title") or fid)
            yield presence_change("finding", fid, title, level_was, level_now)


def _referral_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Change]:
    """The referral level, when it differs."""
    was, now = before.get("level"), after.get("level")
    if was != now:
        yield presence_change(
            "referral",
            REFERRAL_ID,
            REFERRAL_TITLE,
            None if was is None else str(was),
            None if now is None else str(now),
        )


def _score_changes(defs: Definitions, before: list[Any], after: list[Any]) -> Iterator[Change]:
    """Scores whose value differs, and judged scores; a score not scored has no value."""
    old = {s["id"]: s for s in before}
    new = {s["id"]: s for s in after}
    declared = {c.score.id: c.score for c in defs.scores}
    for sid in dict.fromkeys([*new, *old]):
        was, now = old.get(sid) or {}, new.get(sid) or {}
        title = str(now.get("title") or was.get("title") or sid)
        value_was, value_now = was.get("value"), now.get("value")
        if is_number(value_was) and is_number(value_now):
            yardstick = yardstick_of(declared.get(sid))
            if value_was != value_now or yardstick.smallest_real_change is not None:
                words = (number_text(value_was), number_text(value_now))
                yield number_change("score", sid, title, (value_was, value_now), words, yardstick)
        elif value_was != value_now:
            yield presence_change(
                "score",
                sid,
                title,
                None if value_was is None else number_text(value_was),
                None if value_now is None else number_text(value_now),
            )


# -- sessions in the database -------------------------------------------------------------------


def previous_completed(db: DbSession, session: Session) -> Session | None:
    """The client's completed session of the same questionnaire (any version) before this one.

    "Before" is by the time each was finished (started, for one in progress), the session id
    breaking a tie; None for a client's first.
    """
    ref_id = db.execute(
        select(DefinitionFile.ref_id).where(DefinitionFile.id == session.questionnaire_file_id)
    ).scalar_one()
    moment = session.finished_at or session.started_at
    return db.execute(
        select(Session)
        .join(DefinitionFile, DefinitionFile.id == Session.questionnaire_file_id)
        .where(
            Session.client_id == session.client_id,
            Session.status == COMPLETED,
            Session.id != session.id,
            DefinitionFile.ref_id == ref_id,
            or_(
                Session.finished_at < moment,
                and_(Session.finished_at == moment, Session.id < session.id),
            ),
        )
        .order_by(Session.finished_at.desc(), Session.id.desc())
        .limit(1)
    ).scalar()


def stored_report(db: DbSession, session: Session) -> dict[str, Any]:
    """The report JSON of a completed session; ClinicError for one still in progress."""
    result = result_of(db, session.id) if session.status == COMPLETED else None
    if result is None:
        raise ClinicError(
            f"session {session.id} is not completed, so it has no result to compare "
            "(`kinecheck clinic intake CLIENT --resume` finishes it)"
        )
    report: dict[str, Any] = json.loads(result.report)
    return report


def compare_sessions(db: DbSession, earlier: Session, later: Session) -> list[Change]:
    """What changed from `earlier` to `later`, two completed sessions of one client.

    Titles and smallest real changes are those of the later session's stored definitions:
    the newer wording, and the figures the clinic holds now.
    """
    return session_comparison(db, earlier, later).changes


# The groups `kinecheck clinic compare` shows, in order, with their headings.
GROUPS: dict[str, str] = {
    "answers": "Answers",
    "findings": "Findings",
    "referral": "Referral",
    "scores": "Scores",
    "measures": "Measures",
}


@dataclass(frozen=True)
class SessionSummary:
    """Which session a comparison side is: what was asked, when, by whom."""

    id: int
    client_id: int
    questionnaire: str
    version: str
    started_at: datetime
    finished_at: datetime | None
    clinician: str


@dataclass(frozen=True)
class Comparison:
    """Two sessions of one client and what changed between them."""

    before: SessionSummary
    after: SessionSummary
    changes: list[Change]
    measures: frozenset[str]  # the number questions of the later definitions

    @property
    def headings(self) -> dict[str, str]:
        """The groups to show, in order, with their headings (GROUPS)."""
        return GROUPS

    def group_of(self, change: Change) -> str:
        """The GROUPS key a change is shown under: number answers are measures."""
        if change.kind == "answer":
            return "measures" if change.id in self.measures else "answers"
        return {"finding": "findings", "score": "scores"}.get(change.kind, change.kind)


def session_comparison(db: DbSession, earlier: Session, later: Session) -> Comparison:
    """`compare_sessions`, with both sessions described and the measures named."""
    if earlier.client_id != later.client_id:
        raise ClinicError(
            f"sessions {earlier.id} and {later.id} belong to different clients; "
            "compare two sessions of one client"
        )
    first, second = _summary(db, earlier), _summary(db, later)
    if first.questionnaire != second.questionnaire:
        raise ClinicError(
            f"sessions {earlier.id} and {later.id} are of different questionnaires "
            f"({first.questionnaire}, {second.questionnaire}); compare two sessions of one "
            "questionnaire"
        )
    before, after = stored_report(db, earlier), stored_report(db, later)
    defs = definitions_of(db, later)
    measures = frozenset(q.id for q in defs.questions.values() if isinstance(q, NumberBase))
    return Comparison(
        first,
        second,
        compare_reports(defs, before, after),
        measures,
    )


def _summary(db: DbSession, session: Session) -> SessionSummary:
    file = db.get(DefinitionFile, session.questionnaire_file_id)
    return SessionSummary(
        id=session.id,
        client_id=session.client_id,
        questionnaire=file.ref_id if file is not None else "?",
        version=file.version if file is not None else "?",
        started_at=session.started_at,
        finished_at=session.finished_at,
        clinician=session.clinician,
    )


def comparison_json(found: Comparison) -> dict[str, Any]:
    """The comparison as plain JSON data: both sessions, and each change with its group."""
    return {
        "before": plain(asdict(found.before)),
        "after": plain(asdict(found.after)),
        "changes": [{**asdict(c), "group": found.group_of(c)} for c in found.changes],
    }


def plain(data: Any) -> Any:
    """Data from `asdict` as JSON holds it: tuples as lists, moments in ISO 8601."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    if isinstance(data, datetime):
        return data.isoformat()
    return data

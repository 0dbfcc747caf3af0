"""A client's progress: every session in time order, and each measure's series over time.

A measure is a number answer (the self-tests, pain, hours of sitting) or a score, followed
when its definitions declare a smallest real change or when its value changed. Each value
after the first is judged against the one before it and against the first, exactly as
`compare` judges two sessions (`kinecheck.clinic.changes`), with the smallest real change
of the newest stored definitions of that questionnaire.

The work is a fixed number of queries, whatever the number of sessions or clients: one for
the client, one for all their sessions with their results (the index on client and start
time), and the definitions of each questionnaire the client answered.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kinecheck.clinic.changes import (
    Change,
    Yardstick,
    answer_words,
    is_number,
    number_change,
    plain,
    yardstick_of,
)
from kinecheck.clinic.session_list import FindingShown, ScoreShown, findings_shown, scores_shown
from kinecheck.clinic.sessions import definitions_of, get_client
from kinecheck.clinic.tables import COMPLETED, DefinitionFile, Result, Session
from kinecheck.definitions.questionnaire import NumberBase
from kinecheck.numbers import number_text

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions
    from kinecheck.definitions.questionnaire import Better


@dataclass(frozen=True)
class SessionEntry:
    """One session of the client; only a completed one has a result to show."""

    id: int
    questionnaire: str
    version: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    clinician: str
    referral: str | None
    findings: tuple[FindingShown, ...]
    scores: tuple[ScoreShown, ...]
    measures: dict[str, int | float]  # number answers, by question id


@dataclass(frozen=True)
class Point:
    """One value of a measure, and how it stands against the value before and the first."""

    session_id: int
    at: datetime
    value: int | float
    text: str  # in words, with its unit: "9.5 cm"
    from_previous: Change | None  # None for the first value
    from_first: Change | None


@dataclass(frozen=True)
class Series:
    """A measure over time: a number question's answers or a score's values."""

    questionnaire: str
    kind: Literal["answer", "score"]
    id: str
    title: str
    unit: str | None
    smallest_real_change: float | None
    better: Better | None
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Progress:
    """Everything `kinecheck clinic progress` shows for one client."""

    client_id: int
    client_name: str
    sessions: tuple[SessionEntry, ...]
    series: tuple[Series, ...]


def progress(db: DbSession, client_id: int) -> Progress:
    """The client's sessions in time order and each measure's series (ClinicError: no client)."""
    client = get_client(db, client_id)
    rows = db.execute(
        select(Session, DefinitionFile.ref_id, DefinitionFile.version, Result.report)
        .join(DefinitionFile, DefinitionFile.id == Session.questionnaire_file_id)
        .outerjoin(Result, Result.session_id == Session.id)
        .where(Session.client_id == client_id)
        .order_by(Session.started_at, Session.id)
    ).all()
    reports: dict[int, dict[str, Any]] = {}
    newest: dict[str, Session] = {}  # the latest completed session of each questionnaire
    for session, ref_id, _, report in rows:
        if session.status == COMPLETED and report is not None:
            reports[session.id] = json.loads(report)
            newest[ref_id] = session
    defs = {ref_id: definitions_of(db, session) for ref_id, session in newest.items()}
    entries = tuple(
        _entry(session, ref_id, version, reports.get(session.id), defs.get(ref_id))
        for session, ref_id, version, _ in rows
    )
    series = [s for ref_id, d in defs.items() for s in _series_of(ref_id, d, entries, reports)]
    return Progress(client.id, client.name, entries, tuple(series))


def _entry(
    session: Session,
    ref_id: str,
    version: str,
    report: dict[str, Any] | None,
    defs: Definitions | None,
) -> SessionEntry:
    """A session as the history shows it: its result's findings, scores and measures."""
    report = report or {}
    findings = tuple(findings_shown(report))
    scores = tuple(scores_shown(report))
    questions = defs.questions if defs is not None else {}
    measures = {
        qid: value
        for qid, value in (report.get("answers") or {}).items()
        if is_number(value) and isinstance(questions.get(qid), NumberBase)
    }
    referral = (report.get("referral") or {}).get("level")
    return SessionEntry(
        id=session.id,
        questionnaire=ref_id,
        version=version,
        status=session.status,
        started_at=session.started_at,
        finished_at=session.finished_at,
        clinician=session.clinician,
        referral=None if referral is None else str(referral),
        findings=findings,
        scores=scores,
        measures=measures,
    )


def _series_of(
    ref_id: str,
    defs: Definitions,
    entries: tuple[SessionEntry, ...],
    reports: dict[int, dict[str, Any]],
) -> list[Series]:
    """Each number question's and each score's values over this questionnaire's sessions."""
    done = [e for e in entries if e.questionnaire == ref_id and e.id in reports]
    found: list[Series] = []
    for question in defs.questions.values():
        if not isinstance(question, NumberBase):
            continue
        values = [(e, e.measures[question.id]) for e in done if question.id in e.measures]
        if _followed(values, question.smallest_real_change):
            words = [answer_words(question, v) for _, v in values]
            points = _points("answer", question.id, question.prompt, values, words, question)
            found.append(
                Series(
                    ref_id,
                    "answer",
                    question.id,
                    question.prompt,
                    question.unit,
                    question.smallest_real_change,
                    question.better,
                    points,
                )
            )
    for compiled in defs.scores:
        score = compiled.score
        values = [
            (e, s.value)
            for e in done
            for s in e.scores
            if s.id == score.id and s.value is not None and is_number(s.value)
        ]
        if _followed(values, score.smallest_real_change):
            words = [number_text(v) for _, v in values]
            points = _points("score", score.id, score.title, values, words, score)
            found.append(
                Series(
                    ref_id,
                    "score",
                    score.id,
                    score.title,
                    None,
                    score.smallest_real_change,
                    score.better,
                    points,
                )
            )
    return found


def _followed(values: list[tuple[SessionEntry, int | float]], src: float | None) -> bool:
    """Whether a number is a measure to follow: one with a smallest real change, or that changed.

    The same rule as `compare`: an age or a count of sprains that stayed the same says
    nothing over time, and is left out rather than plotted flat.
    """
    return bool(values) and (src is not None or len({v for _, v in values}) > 1)


def _points(
    kind: Literal["answer", "score"],
    item_id: str,
    title: str,
    values: list[tuple[SessionEntry, int | float]],
    words: list[str],
    declares: object,
) -> tuple[Point, ...]:
    """The values in time order, each judged against the one before and against the first."""
    yardstick: Yardstick = yardstick_of(declares)
    first_value, first_words = values[0][1], words[0]
    points: list[Point] = []
    for i, ((entry, value), text) in enumerate(zip(values, words, strict=True)):
        at = entry.finished_at or entry.started_at
        if i == 0:
            points.append(Point(entry.id, at, value, text, None, None))
            continue
        before, before_words = values[i - 1][1], words[i - 1]
        points.append(
            Point(
                entry.id,
                at,
                value,
                text,
                number_change(
                    kind, item_id, title, (before, value), (before_words, text), yardstick
                ),
                number_change(
                    kind, item_id, title, (first_value, value), (first_words, text), yardstick
                ),
            )
        )
    return tuple(points)


def progress_json(found: Progress) -> dict[str, Any]:
    """The progress as plain JSON data (moments in ISO 8601, UTC)."""
    data: dict[str, Any] = plain(asdict(found))
    return data

"""Which question comes next: the one `when` logic shared by prompts, answers files and sessions.

Answers map question ids to values; ``None`` means the person skipped an optional question.
Because a `when` may only name earlier questions, one pass in order is enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.questionnaire import QuestionBase
from kinecheck.records import Record, record
from kinecheck.scoring.decisions import plan_withheld


def applies(defs: Definitions, question_id: str, answers: Mapping[str, Any]) -> bool:
    """True when the question should be asked, given the answers so far.

    Its `when` must hold; and a question `only_for_plan` is not asked once the answers to the
    questions before it already mean the exercise plan will be withheld.
    """
    condition = defs.when.get(question_id)
    if condition is not None and not condition(answers):
        return False
    if defs.questions[question_id].only_for_plan:
        return not plan_withheld(defs, answers_before(defs, question_id, answers))
    return True


def answers_before(
    defs: Definitions, question_id: str, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers to the questions asked before `question_id` (a review may hold later ones)."""
    place = defs.position[question_id]
    return {k: v for k, v in answers.items() if defs.position.get(k, place) < place}


def prune(defs: Definitions, answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Keep answers to questions that apply, in questionnaire order; list the ids dropped."""
    kept: dict[str, Any] = {}
    for qid in defs.questions:
        if qid in answers and applies(defs, qid, kept):
            kept[qid] = answers[qid]
    dropped = [qid for qid in answers if qid not in kept]
    return kept, dropped


def next_question(defs: Definitions, answers: Mapping[str, Any]) -> QuestionBase | None:
    """The first question that applies and has no answer yet, or None when the quiz is done."""
    for qid, question in defs.questions.items():
        if qid not in answers and applies(defs, qid, answers):
            return question
    return None


def previous_question(defs: Definitions, answers: Mapping[str, Any]) -> str | None:
    """The id of the last answered question, the one 'back' returns to."""
    ids = [qid for qid in defs.questions if qid in answers]
    return ids[-1] if ids else None


@record
class Progress(Record):
    """Where the person is: question `number` of about `total`."""

    number: int
    total: int
    section: str


def progress(defs: Definitions, answers: Mapping[str, Any], question_id: str) -> Progress:
    """Position of `question_id` among the questions answered or that may still be asked.

    The total counts every question that could still come (a `when` that names an unanswered
    question may yet hold), so it only ever shrinks as answers come in: "18 of about 20" is
    never followed by "19 of 25".
    """
    number = 1 + sum(1 for qid in defs.questions if qid in answers and qid != question_id)
    total = sum(
        1 for qid in defs.questions if qid in answers or may_still_be_asked(defs, qid, answers)
    )
    section = defs.questionnaire.section_of(question_id).title
    return Progress(number=number, total=max(total, number), section=section)


def may_still_be_asked(defs: Definitions, question_id: str, answers: Mapping[str, Any]) -> bool:
    """True unless the answers so far already rule the question out for good."""
    if applies(defs, question_id, answers):
        return True
    condition = defs.when.get(question_id)
    if condition is not None and any(
        name not in answers and may_still_be_asked(defs, name, answers) for name in condition.names
    ):
        return True  # it depends on a question that may still be answered
    if defs.questions[question_id].only_for_plan:
        if plan_withheld(defs, answers_before(defs, question_id, answers)):
            return False  # a warning sign already withholds the plan; more answers only add
        earlier = list(defs.questions)[: defs.position[question_id]]
        return any(q not in answers and may_still_be_asked(defs, q, answers) for q in earlier)
    return False

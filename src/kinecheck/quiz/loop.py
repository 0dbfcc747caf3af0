"""The quiz loop every front end shares: which question, going back, the review, stopping safely.

It never touches a terminal: an `Asker` (see `kinecheck.quiz.asking`) shows the prompts. What comes
next and which answers still apply come from `kinecheck.scoring.flow`, and every answer goes through
`AnswerValidator.check_one`, the same check `kinecheck assess` applies to answers files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.questionnaire import (
    Integer,
    MultiChoice,
    NumberBase,
    QuestionBase,
    Scale,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
    choice_label,
)
from kinecheck.numbers import number_text
from kinecheck.quiz.asking import BACK, Asker, Check, Intro, Option, Prompt, ReviewRow
from kinecheck.scoring.answers import AnswerValidator
from kinecheck.scoring.flow import applies, next_question, progress, prune

StopReason = Literal["interrupted", "end_of_input"]


class QuizStopped(Exception):
    """The person pressed Ctrl-C or the input ended; carries the answers given so far."""

    def __init__(self, answers: dict[str, Any], reason: StopReason) -> None:
        super().__init__(reason)
        self.answers = answers
        self.reason = reason


class Quiz:
    """One run of a questionnaire through an asker, from the first open question to the review."""

    def __init__(
        self,
        defs: Definitions,
        asker: Asker,
        answers: Mapping[str, Any] | None = None,
        on_change: Callable[[dict[str, Any]], object] | None = None,
    ) -> None:
        self.defs = defs
        self.asker = asker
        # Called with the answers after every change, so a saved session is never behind.
        self.on_change = on_change
        self.validator = AnswerValidator(defs)
        self.answers, _ = prune(defs, answers or {})
        # Answers taken back or dropped by a change, offered again as defaults.
        self.remembered: dict[str, Any] = {}
        self._section_shown: str | None = None
        self._alerted: set[str] = set()
        self._kept: str | None = None  # the question whose answer the front end just kept

    # -- the loop ------------------------------------------------------------------------------
    def run(self, notes: Iterable[str] = ()) -> dict[str, Any]:
        """Ask until every question that applies is answered and the review is accepted.

        Returns the answers in questionnaire order; raises QuizStopped on Ctrl-C or end of input.
        """
        try:
            self.asker.start(intro_for(self.defs))
            for note in notes:
                self.asker.say(note)
            while True:
                question = next_question(self.defs, self.answers)
                if question is not None:
                    self.ask(question.id)
                    continue
                change = self.asker.review(self.review_rows())
                if change is None:
                    return dict(self.answers)
                self.ask(change, from_review=True)
        except KeyboardInterrupt:
            raise QuizStopped(dict(self.answers), "interrupted") from None
        except EOFError:
            raise QuizStopped(dict(self.answers), "end_of_input") from None

    def ask(self, qid: str, *, from_review: bool = False) -> None:
        """Ask one question until a valid answer or 'back'; then keep only answers that apply."""
        prompt = self.prompt_for(qid, from_review=from_review)
        check = self.check_for(qid)
        while True:
            self._kept = None
            raw = self.asker.ask(prompt, check)
            if raw is BACK:
                if from_review:
                    return
                previous = self.previous(qid)
                if previous is None:
                    self.asker.say("This is the first question: there is nothing to go back to.")
                    continue
                self.remembered[previous] = self.answers.pop(previous)
                self._changed()
                return
            value, problem = self.validator.check_one(qid, raw)
            if problem is None:
                break
            self.asker.say(f"Not accepted: {problem.message}.")
        if self._kept != qid:  # a front end that did not keep it (one without an echo)
            self.record(qid, value)
        self.alert_emergencies()

    def set(self, qid: str, value: Any) -> None:
        """Record a checked answer, then say at once if it calls for emergency help."""
        self.record(qid, value)
        self.alert_emergencies()

    def record(self, qid: str, value: Any) -> None:
        """Keep a checked answer (`on_change` saves it); drop answers that no longer apply."""
        old = dict(self.answers)
        old[qid] = value
        self.remembered.pop(qid, None)
        self.answers, dropped = prune(self.defs, old)
        for gone in dropped:
            self.remembered[gone] = old[gone]
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(dict(self.answers))

    def alert_emergencies(self) -> None:
        """Say at once, not after the last question, when an answer calls for emergency help."""
        referral = self.defs.rules.referral
        if referral is None:
            return  # no referral advice, and so no reasons
        advice = referral.levels["emergency"]
        for compiled in self.defs.reasons:
            reason = compiled.reason
            if reason.level != "emergency" or reason.id in self._alerted:
                continue
            if compiled.condition(self.answers):  # findings are not known yet: they count as absent
                self._alerted.add(reason.id)
                self.asker.say(
                    f"IMPORTANT: {advice.title}. {reason.message} You can stop here with "
                    "Ctrl-C: your answers are saved."
                )

    def previous(self, qid: str) -> str | None:
        """The answered question just before `qid`, the one 'back' returns to."""
        before = None
        for other in self.defs.questions:
            if other == qid:
                break
            if other in self.answers:
                before = other
        return before

    def check_for(self, qid: str) -> Check:
        """The front end's check (the validator's, with the message only) and its keep.

        `keep` records (and so saves) the answer before the front end echoes it.
        """
        validator = self.validator

        def verdict(raw: Any) -> tuple[Any, str | None]:
            value, problem = validator.check_one(qid, raw)
            return value, None if problem is None else problem.message

        def keep(value: Any) -> None:
            self.record(qid, value)
            self._kept = qid

        return Check(verdict, keep)

    # -- what the front end shows --------------------------------------------------------------
    def prompt_for(self, qid: str, *, from_review: bool = False) -> Prompt:
        """The prompt for a question, with progress, section and the default to offer."""
        question = self.defs.questions[qid]
        where = progress(self.defs, self.answers, qid)
        number = list(self.answers).index(qid) + 1 if qid in self.answers else where.number
        section = self.defs.questionnaire.section_of(qid)
        new_section = section.id != self._section_shown
        self._section_shown = section.id
        if qid in self.answers:
            default = self.answers[qid]
        else:
            default = self.remembered.get(qid, getattr(question, "default", None))
        return Prompt(
            id=qid,
            text=question.prompt,
            number=number,
            total=where.total,
            total_exact=total_is_exact(self.defs, self.answers),
            section=section.title,
            section_intro=section.intro,
            new_section=new_section,
            help=question.help,
            instructions=tuple(question.instructions or ()),
            optional=question.optional,
            default=default,
            # From the review, 'back' returns to the summary.
            can_go_back=from_review or self.previous(qid) is not None,
            **_shape(question),
        )

    def review_rows(self) -> list[ReviewRow]:
        """Every answer given, in questionnaire order, in words."""
        rows = []
        for qid, value in self.answers.items():
            question = self.defs.questions[qid]
            rows.append(
                ReviewRow(
                    id=qid,
                    section=self.defs.questionnaire.section_of(qid).title,
                    text=question.prompt,
                    answer=answer_words(question, value),
                )
            )
        return rows


def _shape(question: QuestionBase) -> dict[str, Any]:
    """The type-specific part of a prompt: its kind and choices or range."""
    if isinstance(question, SingleChoice | MultiChoice):
        options = tuple(Option(c.id, c.label, c.help, c.exclusive) for c in question.choices)
        kind = "multi" if isinstance(question, MultiChoice) else "single"
        return {"kind": kind, "options": options}
    if isinstance(question, YesNo):
        options = tuple(Option(c, choice_label(question, c)) for c in choice_ids(question))
        return {"kind": "yes_no", "options": options}
    if isinstance(question, NumberBase):
        labels = (question.min_label, question.max_label) if isinstance(question, Scale) else ()
        return {
            "kind": "number",
            "minimum": question.min,
            "maximum": question.max,
            "unit": question.unit,
            "whole": isinstance(question, Integer | Scale),
            "min_label": labels[0] if labels else None,
            "max_label": labels[1] if labels else None,
        }
    assert isinstance(question, Text)
    return {"kind": "text"}


def total_is_exact(defs: Definitions, answers: Mapping[str, Any]) -> bool:
    """True once no unanswered conditional question still waits on an unanswered one."""
    for qid, condition in defs.when.items():
        if qid in answers:
            continue
        for name in condition.names:
            if name not in answers and (name not in defs.questions or applies(defs, name, answers)):
                return False
    return True


def answer_words(question: QuestionBase, value: Any) -> str:
    """An answer as the person would say it: choice labels, numbers with their unit."""
    if value is None:
        return "skipped"
    if isinstance(value, list):
        return ", ".join(choice_label(question, v) for v in value)
    if isinstance(question, SingleChoice | YesNo):
        return choice_label(question, value)
    if isinstance(question, NumberBase):
        return number_text(value) + (f" {question.unit}" if question.unit else "")
    return str(value)


def intro_for(defs: Definitions) -> Intro:
    """The greeting: title, what the questionnaire is for, how long it takes."""
    q = defs.questionnaire
    notes = (q.audience,) if q.audience else ()
    return Intro(title=q.title, description=q.description, minutes=q.estimated_minutes, notes=notes)

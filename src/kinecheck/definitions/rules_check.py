"""Rules against their questionnaire and library: every condition compiled, every id resolved.

A rules file is checked part by part (scores, findings, referral reasons, plan status,
equipment, variants), each only when the file has it. Each part may name what the parts
before it define: every condition sees the scores' values, reasons also see the findings'
levels, status rules also `referral_level`. Every problem is collected, with its file
and line, so one run lists them all.
"""

from __future__ import annotations

from dataclasses import field

from kinecheck.definitions import yamlsource
from kinecheck.definitions.compiled import (
    CompiledCap,
    CompiledFinding,
    CompiledNote,
    CompiledReason,
    CompiledRow,
    CompiledScore,
    CompiledStatus,
    CompiledVariant,
    symbol_for,
)
from kinecheck.definitions.conditions import Condition, ConditionError, Symbol, compile_condition
from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.questionnaire import MultiChoice, Questionnaire, choice_ids
from kinecheck.definitions.rules import REFERRAL_ORDER, RuleSet
from kinecheck.errors import Problem, did_you_mean
from kinecheck.records import Record, record

FINDING_VALUES = frozenset({"none", "possible", "likely"})
PLAN_STATUSES = ("ready", "after_clearance", "withheld")
Loc = tuple[str | int, ...]


@record
class CompiledRules(Record):
    """The compiled parts of a rules file, ready for `assess`."""

    scores: tuple[CompiledScore, ...] = ()
    findings: tuple[CompiledFinding, ...] = ()
    reasons: tuple[CompiledReason, ...] = ()
    status: tuple[CompiledStatus, ...] = ()
    variants: dict[str, tuple[CompiledVariant, ...]] = field(default_factory=dict)


class _Checker:
    """What every part's check shares: the file, the questions, and the problems found."""

    def __init__(
        self,
        rules: RuleSet,
        q: Questionnaire,
        library: ExerciseLibrary | None,
        source: yamlsource.Source,
    ) -> None:
        self.rules, self.library, self.source = rules, library, source
        self.questions = q.question_map()
        self.symbols = {qid: symbol_for(question) for qid, question in self.questions.items()}
        self.all_choices = frozenset(c for qq in self.questions.values() for c in choice_ids(qq))
        self.exercises = library.by_id() if library else {}
        self.scores: set[str] = set()
        self.problems: list[Problem] = []

    def problem(self, loc: Loc, message: str, hint: str | None = None) -> None:
        self.problems.append(self.source.problem(loc, message, hint))

    def compile_at(self, loc: Loc, text: str, names: dict[str, Symbol]) -> Condition | None:
        try:
            return compile_condition(text, names, self.all_choices)
        except ConditionError as exc:
            self.problem(loc, *self._misplaced(exc, names))
            return None

    def _misplaced(self, exc: ConditionError, names: dict[str, Symbol]) -> tuple[str, str | None]:
        """The error's words, or where a finding's level or the referral level may be named.

        A finding's level is decided after every point row, and the referral level after
        every reason, so each can be named only by the parts decided after it.
        """
        name = exc.name
        if name is None or name in names:
            return exc.message, exc.hint
        if any(f.id == name for f in self.rules.findings):
            return (
                f"'{name}' is a finding: its level ('none', 'possible' or 'likely') may be named "
                "only in referral reasons (referral.reasons) and plan status rules "
                "(plan.status), which are decided after the findings",
                "in a point row, cap, note or variant name the questions or scores instead",
            )
        if name == "referral_level":
            findings = any(s.description == "finding" for s in names.values())
            return (
                "'referral_level' may be named only in plan status rules (plan.status), which "
                "are decided after the referral",
                f"name the {'findings, ' if findings else ''}questions or scores it is decided "
                "on instead",
            )
        return exc.message, exc.hint

    def unknown_exercise(self, loc: Loc, exercise_id: str) -> bool:
        """Report an exercise id the library does not have (when there is a library)."""
        if self.library is None or exercise_id in self.exercises:
            return False
        self.problem(
            loc, f"unknown exercise '{exercise_id}'", did_you_mean(exercise_id, self.exercises)
        )
        return True


def check_rules(
    rules: RuleSet, q: Questionnaire, library: ExerciseLibrary | None, source: yamlsource.Source
) -> tuple[CompiledRules, list[Problem]]:
    """Compile every rule condition against the questionnaire and check every reference."""
    c = _Checker(rules, q, library, source)
    if rules.questionnaire != q.id:
        c.problem(
            ("questionnaire",),
            f"rules are for '{rules.questionnaire}' but the questionnaire is '{q.id}'",
            f"write questionnaire: {q.id}, or load these rules with their own questionnaire",
        )
    taken = dict.fromkeys(c.questions, "question")
    taken.update({f.id: "finding" for f in rules.findings if f.id not in taken})
    scores: tuple[CompiledScore, ...] = ()
    if rules.scores:  # only then: its exact arithmetic imports fractions and decimal
        from kinecheck.definitions.scores_check import check_scores

        scores = check_scores(rules.scores, c.questions, taken, c.problem)
    c.scores = {s.score.id for s in scores}
    # a score is a number in every condition of the rules (not in the questionnaire's)
    c.symbols.update(
        {
            s.score.id: Symbol("number", description="score")
            for s in scores
            if s.score.id not in c.symbols
        }
    )
    findings = _findings(c)
    with_findings = dict(c.symbols)
    with_findings.update(
        {
            f.finding.id: Symbol("choice", FINDING_VALUES, "finding")
            for f in findings
            if f.finding.id not in c.symbols
        }
    )
    reasons = _reasons(c, with_findings)
    with_level = {
        **with_findings,
        "referral_level": Symbol("choice", frozenset(REFERRAL_ORDER), "referral level"),
    }
    status = _status(c, with_level)
    _equipment_question(c)
    variants = _variants(c)
    return CompiledRules(scores, findings, reasons, status, variants), c.problems


def _findings(c: _Checker) -> tuple[CompiledFinding, ...]:
    """Point rows with the question each shows as evidence, caps, and the exercises asked for."""
    compiled: list[CompiledFinding] = []
    seen: set[str] = set()
    for fi, finding in enumerate(c.rules.findings):
        floc: Loc = ("findings", fi)
        if finding.id in seen:
            c.problem((*floc, "id"), f"duplicate finding id '{finding.id}'")
        if finding.id in c.questions:
            c.problem(
                (*floc, "id"), f"finding id '{finding.id}' is also a question id; pick another"
            )
        seen.add(finding.id)
        rows: list[CompiledRow] = []
        for ri, row in enumerate(finding.points):
            cond = c.compile_at((*floc, "points", ri, "when"), row.when, c.symbols)
            evidence = row.question or (cond.names[0] if cond and cond.names else None)
            known = row.question in c.questions or row.question in c.scores
            if row.question is not None and not known:
                c.problem(
                    (*floc, "points", ri, "question"),
                    f"unknown question '{row.question}'",
                    did_you_mean(row.question, c.questions),
                )
            elif cond is not None and evidence is None:
                c.problem(
                    (*floc, "points", ri),
                    "this row names no question; add 'question:' for its evidence",
                )
            if cond is not None and evidence is not None:
                rows.append(CompiledRow(row.points, row.because, evidence, cond))
        caps = []
        for ci, cap in enumerate(finding.caps):
            cond = c.compile_at((*floc, "caps", ci, "when"), cap.when, c.symbols)
            if cond is not None:
                caps.append(CompiledCap(cap, cond))
        for ei, exercise_id in enumerate(finding.exercises):
            c.unknown_exercise((*floc, "exercises", ei), exercise_id)
        notes = []
        for ni, note in enumerate(finding.notes):
            if isinstance(note, str):
                notes.append(CompiledNote(note, None))
            elif note.when is None:
                notes.append(CompiledNote(note.text, None))
            elif cond := c.compile_at((*floc, "notes", ni, "when"), note.when, c.symbols):
                notes.append(CompiledNote(note.text, cond))
        compiled.append(CompiledFinding(finding, tuple(rows), tuple(caps), tuple(notes)))
    return tuple(compiled)


def _reasons(c: _Checker, names: dict[str, Symbol]) -> tuple[CompiledReason, ...]:
    """Referral reasons; their conditions may also name the findings' levels."""
    compiled = []
    seen: set[str] = set()
    reasons = c.rules.referral.reasons if c.rules.referral else []
    for ri, reason in enumerate(reasons):
        if reason.id in seen:
            c.problem(("referral", "reasons", ri, "id"), f"duplicate reason id '{reason.id}'")
        seen.add(reason.id)
        cond = c.compile_at(("referral", "reasons", ri, "when"), reason.when, names)
        if cond is not None:
            compiled.append(CompiledReason(reason, cond))
    return tuple(compiled)


def _status(c: _Checker, names: dict[str, Symbol]) -> tuple[CompiledStatus, ...]:
    """Plan status rules: one must withhold the plan, and every status needs its message."""
    plan = c.rules.plan
    if plan is None:
        return ()
    if c.rules.stop_rule is None:
        c.problem(
            ("plan",),
            "a plan needs a stop_rule: when to stop an exercise",
            "add a top-level stop_rule: ... line",
        )
    compiled = []
    for si, rule in enumerate(plan.status):
        cond = c.compile_at(("plan", "status", si, "when"), rule.when, names)
        if cond is not None:
            compiled.append(CompiledStatus(rule, cond))
    if not any(rule.status == "withheld" for rule in plan.status):
        c.problem(
            ("plan", "status"),
            "no rule withholds the exercises: warning signs must lead to care first",
            "add a rule such as {status: withheld, when: \"referral_level in ['soon', "
            "'urgent', 'emergency']\"}",
        )
    missing = [s for s in PLAN_STATUSES if s not in plan.status_messages]
    if missing:
        c.problem(("plan", "status_messages"), "needs a message for: " + ", ".join(sorted(missing)))
    return tuple(compiled)


def _equipment_question(c: _Checker) -> None:
    """The question whose choices say what equipment a person has must be a multiple choice."""
    eq = c.rules.plan.equipment_question if c.rules.plan else None
    if eq is None or isinstance(c.questions.get(eq), MultiChoice):
        return
    multis = [qid for qid, qq in c.questions.items() if isinstance(qq, MultiChoice)]
    found = c.questions.get(eq)
    message = (
        f"unknown question '{eq}'"
        if found is None
        else f"'{eq}' is a question of type {getattr(found, 'type', '?')}, but the "
        "equipment question must be a multiple choice question (type: multi)"
    )
    hint = (did_you_mean(eq, multis) if found is None else None) or (
        "multiple choice questions: " + (", ".join(multis) or "none")
    )
    c.problem(("plan", "equipment_question"), message, hint)


def _variants(c: _Checker) -> dict[str, tuple[CompiledVariant, ...]]:
    """How each exercise's variant is chosen: conditions in order, the last one the fallback."""
    variants: dict[str, tuple[CompiledVariant, ...]] = {}
    for ex_id, choices in (c.rules.plan.variants if c.rules.plan else {}).items():
        vloc: Loc = ("plan", "variants", ex_id)
        if c.unknown_exercise(vloc, ex_id):
            continue
        exercise = c.exercises.get(ex_id)
        known = [v.id for v in exercise.variants] if exercise else []
        known_set = frozenset(known)  # a set: thousands of choices must not be quadratic
        compiled: list[CompiledVariant] = []
        for vi, choice in enumerate(choices):
            if exercise is not None and choice.variant not in known_set:
                c.problem(
                    (*vloc, vi, "variant"),
                    f"'{choice.variant}' is not a variant of '{ex_id}'",
                    did_you_mean(choice.variant, known) or "variants: " + ", ".join(known),
                )
            cond = (
                None
                if choice.when is None
                else c.compile_at((*vloc, vi, "when"), choice.when, c.symbols)
            )
            compiled.append(CompiledVariant(choice.variant, cond))
        if choices and choices[-1].when is not None:
            c.problem(
                (*vloc, len(choices) - 1),
                f"the last variant of '{ex_id}' needs no 'when': it is the fallback",
            )
        variants[ex_id] = tuple(compiled)
    return variants

"""The `why` of one assessment, as data: what was asked, and what each rule saw and decided.

Nothing here decides anything. Every condition is the engine's own compiled closure, called on
the very mapping the engine called it on (`Decisions.values` for point rows and caps,
`Decisions.context` for referral reasons and plan status, the answers so far for a question's
`when`, the answers for variants); whether a question is asked is `flow.applies`; levels,
scores, the referral level, the plan status and the chosen variants are read from `decide`
and `assess`. What this module adds is the record of each test with the values it compared
(`kinecheck.scoring.trace_steps`), for `kinecheck.render.trace_text` to put in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kinecheck.errors import InputError, did_you_mean
from kinecheck.scoring.flow import answers_before, applies
from kinecheck.scoring.trace_steps import (
    BandStep,
    CapStep,
    Evaluated,
    ExerciseStep,
    FindingStep,
    ItemStep,
    Missing,
    QuestionStep,
    ReasonStep,
    RowStep,
    ScoreStep,
    StatusStep,
    Trace,
    VariantStep,
)

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import CompiledScore, Definitions
    from kinecheck.definitions.conditions import Condition
    from kinecheck.scoring.decisions import Decisions
    from kinecheck.scoring.report import PlanItem, Report
    from kinecheck.scoring.scores import ScoreValue

Answers = Mapping[str, Any]


def trace(defs: Definitions, answers: Answers, answers_file: str | None = None) -> Trace:
    """The trace of checked answers (`kinecheck.api.check_answers`) through the rules."""
    from kinecheck.scoring.assess import assess
    from kinecheck.scoring.decisions import decide

    decided = decide(defs, answers)
    names = _Names(defs)
    questions = _questions(defs, answers, names)  # first: the others say what was not asked
    context = decided.context
    return Trace(
        questionnaire=f"{defs.questionnaire_ref.id} {defs.questionnaire_ref.version}",
        rules=f"{defs.rules_ref.id} {defs.rules_ref.version}",
        answers_file=answers_file,
        questions=questions,
        scores=[
            _score(c, v, answers, names) for c, v in zip(defs.scores, decided.scores, strict=True)
        ],
        findings=_findings(decided, names),
        reasons=[
            ReasonStep(r.reason.id, r.reason.level, names.evaluate(r.condition, context))
            for r in defs.reasons
        ],
        referral_level=decided.level if defs.rules.referral else None,
        status_rules=[
            StatusStep(s.rule.status, names.evaluate(s.condition, context)) for s in defs.status
        ],
        plan_status=decided.status,
        exercises=_exercises(defs, decided, assess(defs, answers), answers, names),
    )


def focus(whole: Trace, item_id: str) -> Trace:
    """Only the question, score, finding, reason or exercise with this id (all, if shared).

    InputError, with a suggestion, when nothing has that id.
    """
    picked = Trace(
        questionnaire=whole.questionnaire,
        rules=whole.rules,
        answers_file=whole.answers_file,
        questions=[q for q in whole.questions if q.id == item_id],
        scores=[s for s in whole.scores if s.id == item_id],
        findings=[f for f in whole.findings if f.id == item_id],
        reasons=[r for r in whole.reasons if r.id == item_id],
        referral_level=whole.referral_level,
        status_rules=[],
        plan_status=whole.plan_status,
        exercises=[e for e in whole.exercises if e.id == item_id],
        focus=item_id,
    )
    if not any(_parts(picked)):
        known = [part.id for group in _parts(whole) for part in group]
        hint = did_you_mean(item_id, known)
        raise InputError(
            f"'{item_id}' is not a question, score, finding, referral reason or exercise of "
            f"{whole.rules}" + (f"; {hint}" if hint else "")
        )
    return picked


def _parts(t: Trace) -> tuple[list[Any], ...]:
    """The parts of a trace that have ids."""
    return t.questions, t.scores, t.findings, t.reasons, t.exercises


class _Names:
    """What the names in conditions are, to record why a name had no value."""

    def __init__(self, defs: Definitions) -> None:
        self.questions = frozenset(defs.questions)
        self.scores = frozenset(s.score.id for s in defs.scores)
        self.asked: set[str] = set()  # filled in questionnaire order by `_questions`

    def missing(self, name: str) -> Missing:
        """Why `name` has no value."""
        if name in self.questions:
            return "no answer" if name in self.asked else "not asked"
        return "not scored" if name in self.scores else "no value"

    def evaluate(self, condition: Condition, seen: Answers) -> Evaluated:
        """Call the engine's condition on what it saw; note the values of the names it reads."""
        values = {name: seen.get(name) for name in condition.names}
        counted: dict[str, list[str]] = {}
        for value in _counted_values(condition.source):
            from kinecheck.definitions.condition_eval import counter

            one = counter(value, frozenset())  # the engine's count, of one answer at a time
            counted[value] = [k for k, v in seen.items() if k in self.questions and one({k: v})]
        return Evaluated(
            condition=condition.source,
            held=bool(condition(seen)),
            values=values,
            missing={name: self.missing(name) for name, v in values.items() if v is None},
            counted=counted,
        )


def _counted_values(source: str) -> list[str]:
    """The choice ids a condition counts with `count('...')` (most conditions count none)."""
    if "count(" not in source:
        return []
    import ast

    return [
        node.args[0].value
        for node in ast.walk(ast.parse(source, mode="eval"))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "count"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def _questions(defs: Definitions, answers: Answers, names: _Names) -> list[QuestionStep]:
    """Each question in order: asked or not (`flow.applies`, as the quiz decides), and why."""
    steps = []
    for qid in defs.questions:
        before = answers_before(defs, qid, answers)
        asked = applies(defs, qid, before)
        condition = defs.when.get(qid)
        test = None if condition is None else names.evaluate(condition, before)
        if asked:
            names.asked.add(qid)
        steps.append(
            QuestionStep(
                id=qid,
                section=defs.questionnaire.section_of(qid).id,
                asked=asked,
                answer=answers.get(qid) if asked else None,
                when=test,
                # not asked though its `when` held: `applies` found the plan already withheld
                plan_withheld=not asked and (test is None or test.held),
            )
        )
    return steps


def _score(
    compiled: CompiledScore, value: ScoreValue, answers: Answers, names: _Names
) -> ScoreStep:
    """A score's items with the numbers the engine reads from them, and its result."""
    score = compiled.score
    items = []
    for item in compiled.items:
        answer = answers.get(item.question)
        items.append(
            ItemStep(
                question=item.question,
                answer=answer,
                number=None if answer is None else _number(item.value(answer)),
                missing=names.missing(item.question) if answer is None else None,
                weight=_number(item.weight),
                reversed=item.question in score.reverse,
            )
        )
    return ScoreStep(
        id=score.id,
        title=score.title,
        method=score.method,
        items=items,
        answered=value.answered,
        missing=value.missing,
        max_missing=score.missing.max,
        prorate=score.missing.prorate,
        multiply=_number(compiled.multiply),
        add=_number(compiled.add),
        decimals=score.decimals,
        value=value.value,
        band=value.band,
        bands=[BandStep(_number(top), label) for top, label in compiled.bands],
        why_not_scored=value.why_not_scored,
    )


def _number(x: Fraction | float) -> int | float:
    """An exact number as JSON holds it: 2 rather than 2.0 or Fraction(2, 1)."""
    return int(x) if x == int(x) else float(x)


def _findings(decided: Decisions, names: _Names) -> list[FindingStep]:
    """Each finding's rows and caps, tested on what the engine decided the finding on."""
    values = decided.values
    return [
        FindingStep(
            id=compiled.finding.id,
            title=compiled.finding.title,
            level=result.level,
            score=result.score,
            possible=compiled.finding.thresholds.possible,
            likely=compiled.finding.thresholds.likely,
            rows=[
                RowStep(
                    row.points, row.because, row.question, names.evaluate(row.condition, values)
                )
                for row in compiled.rows
            ],
            caps=[
                CapStep(
                    cap.cap.max_level,
                    cap.because,
                    names.evaluate(cap.condition, values),
                    lowered=result.cap is cap,
                )
                for cap in compiled.caps
            ],
            exercises=list(compiled.finding.exercises),
        )
        for compiled, result in decided.scored
    ]


def _exercises(
    defs: Definitions, decided: Decisions, report: Report, answers: Answers, names: _Names
) -> list[ExerciseStep]:
    """The plan's exercises in plan order, then the other exercises the findings name."""
    in_plan: dict[str, PlanItem] = {item.exercise: item for item in report.plan}
    places = {exercise_id: place for place, exercise_id in enumerate(in_plan, 1)}
    named: dict[str, dict[str, str]] = {}
    for compiled, result in decided.scored:
        for exercise_id in compiled.finding.exercises:
            named.setdefault(exercise_id, {})[compiled.finding.id] = result.level or "none"
    steps = []
    for exercise_id in [*in_plan, *(e for e in named if e not in in_plan)]:
        exercise = defs.exercises[exercise_id]
        item = in_plan.get(exercise_id)
        steps.append(
            ExerciseStep(
                id=exercise_id,
                name=exercise.name,
                kind=exercise.kind,
                named_by=named.get(exercise_id, {}),
                place=places.get(exercise_id),
                asked_by=list(item.because) if item else [],
                variant=item.variant if item else None,
                first_variant=exercise.variants[0].id,
                choices=[
                    VariantStep(
                        choice.variant,
                        None
                        if choice.condition is None
                        else names.evaluate(choice.condition, answers),
                    )
                    for choice in defs.variants.get(exercise_id, ())
                ],
                missing_equipment=list(item.missing_equipment) if item else [],
            )
        )
    return steps

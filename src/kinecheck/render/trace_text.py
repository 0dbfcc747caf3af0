"""`kinecheck why` in words: each rule with its condition, the values it compared, and the verdict.

For the person who writes or tunes the rules, a kinesiologist more than a programmer: every
condition is shown as the rules file writes it, every answer as an answers file writes it
('no', ['ball'], 9), so the two can be read side by side. The wording is neutral; what the
rules say to a client stays in the rules and only its ids and titles are quoted here.
`render_json` writes the same trace as data (`dataclasses.asdict`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from kinecheck.numbers import number_text
from kinecheck.render.layout import Layout

if TYPE_CHECKING:
    from kinecheck.scoring.trace_steps import (
        Evaluated,
        ExerciseStep,
        FindingStep,
        QuestionStep,
        ScoreStep,
        Trace,
    )

YES, NO = "yes", "no"  # whether a condition held, in the margin
LEGEND = (
    "Each condition is shown as the rules write it, with the answers it compared in "
    f"[brackets]; the margin says whether it held ({YES} or {NO})."
)
LEGEND_POINTS = " A point row that held shows the points it gave instead (+2)."
METHOD_WORDS = {"sum": "the sum", "mean": "the mean", "weighted_sum": "the weighted sum"}
Row = tuple[str, str]  # margin, text


def render_json(trace: Trace) -> str:
    """The trace as indented JSON: the dataclasses' fields, in order."""
    from kinecheck.render.jsonout import dumps

    return dumps(dataclasses.asdict(trace), indent=True).decode() + "\n"


def render(trace: Trace, width: int = 100) -> str:
    """The trace as text wrapped at `width` columns, headed by what it explains."""
    out = Layout(max(width, 40), plain=True)
    head = f"Why {trace.questionnaire} gives this report, with the rules {trace.rules}"
    out.para(head + (f", for {trace.answers_file}" if trace.answers_file else "") + ".")
    if trace.focus:
        out.para(f"Only '{trace.focus}'.")
    if _has_tests(trace):
        out.para(LEGEND + (LEGEND_POINTS if trace.findings else ""))
    if trace.questions:
        _questions(out, trace.questions)
    for score in trace.scores:
        _score(out, score)
    for finding in trace.findings:
        _finding(out, finding)
    if trace.reasons or (trace.referral_level is not None and not trace.focus):
        _referral(out, trace)
    if trace.plan_status is not None and not trace.focus:
        _status(out, trace)
    if trace.exercises or (trace.plan_status is not None and not trace.focus):
        _exercises(out, trace)
    return out.text()


def _test(test: Evaluated) -> str:
    """`condition [name = value; name: not asked; ...]`, with what count() counted."""
    seen = [
        f"{name}: {test.missing.get(name, 'no value')}"
        if value is None
        else f"{name} = {literal(value)}"
        for name, value in test.values.items()
    ]
    for counted, names in test.counted.items():
        which = ", ".join(names) if names else "none"
        seen.append(f"count('{counted}') = {len(names)}: {which}")
    return test.condition + (f" [{'; '.join(seen)}]" if seen else "")


def literal(value: Any) -> str:
    """An answer as an answers file (and a condition) writes it: 'no', ['ball'], 9."""
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return number_text(value)


def _has_tests(trace: Trace) -> bool:
    """True when the trace shows a condition (a scores-only trace may show none)."""
    return bool(
        trace.findings
        or trace.reasons
        or trace.status_rules
        or any(q.when for q in trace.questions)
        or any(e.choices for e in trace.exercises)
    )


def _verdict(held: bool) -> str:
    return YES if held else NO


def _heading(out: Layout, text: str) -> None:
    out.blank()
    out.para(text)


def _margin(out: Layout, rows: list[Row], indent: int) -> None:
    """Rows with their margin words left-aligned, wrapped lines hanging under the text."""
    width = max((len(mark) for mark, _ in rows), default=0)
    out.items([(mark.ljust(width), text) for mark, text in rows], indent)


def _points(n: int) -> str:
    return f"{n} point{'' if n == 1 else 's'}"


# -- the parts ---------------------------------------------------------------------------------


def _questions(out: Layout, steps: list[QuestionStep]) -> None:
    asked = sum(s.asked for s in steps)
    if len(steps) > 1:
        _heading(out, f"Questions: {asked} asked, {len(steps) - asked} not asked")
    else:
        _heading(out, "Question")
    rows = []
    for step in steps:
        if not step.asked:
            text = "not asked, because " + (
                "it only serves the exercise plan, which the answers before it already withhold"
                if step.plan_withheld or step.when is None
                else f"this does not hold: {_test(step.when)}"
            )
        else:
            text = "no answer (skipped)" if step.answer is None else literal(step.answer)
            if step.when is not None:
                text += f", asked because this holds: {_test(step.when)}"
        rows.append((step.id, text))
    _margin(out, rows, 2)


def _score(out: Layout, score: ScoreStep) -> None:
    if score.value is None:
        result = f"not scored ({score.why_not_scored})"
    else:
        result = number_text(score.value) + (f", band '{score.band}'" if score.band else "")
    _heading(out, f"Score {score.id} ({score.title}): {result}")
    rule = f"{METHOD_WORDS.get(score.method, score.method)} of {len(score.items)} items"
    if score.max_missing:
        rule += f"; at most {score.max_missing} may be missing"
        if score.prorate:
            rule += ", made up for in proportion"
    else:
        rule += "; every item must be answered"
    out.para(f"{rule}. {score.answered} answered, {score.missing} missing.", 2)
    rows: list[Row] = []
    for item in score.items:
        text: str = item.missing or "no answer"
        if item.number is not None:
            text = f"{literal(item.answer)} counts {number_text(item.number)}"
            if item.reversed:
                text += " (reversed)"
            if item.weight != 1:
                text += f", weight {number_text(item.weight)}"
        rows.append((item.question, text))
    _margin(out, rows, 4)
    after = []
    if score.multiply != 1 or score.add != 0:
        after.append(f"times {number_text(score.multiply)}, plus {number_text(score.add)}")
    places = score.decimals
    after.append(
        "rounded to a whole number"
        if places == 0
        else f"rounded to {places} decimal{'' if places == 1 else 's'}"
    )
    out.para("Then " + ", ".join(after) + ".", 2)
    if score.bands:
        bands = ", ".join(f"up to {number_text(b.max)} '{b.label}'" for b in score.bands)
        out.para(f"Bands: {bands}.", 2)


def _finding(out: Layout, finding: FindingStep) -> None:
    level = finding.level or "none (it did not fire)"
    if any(cap.lowered for cap in finding.caps):
        level += " (capped)"
    _heading(
        out,
        f"Finding {finding.id} ({finding.title}): {level}, {_points(finding.score)} "
        f"(possible from {finding.possible}, likely from {finding.likely})",
    )
    rows = [
        (f"+{row.points}", _test(row.test))
        if row.test.held
        else (NO, f"{_test(row.test)} (would give {row.points})")
        for row in finding.rows
    ]
    for cap in finding.caps:
        effect = ""
        if cap.lowered:
            effect = "; it lowered likely to possible"
        elif cap.test.held and cap.max_level == "likely":
            effect = "; a cap at likely never lowers anything"
        elif cap.test.held:
            effect = "; nothing to lower, the points were below likely"
        text = f"cap, at most {cap.max_level}: {_test(cap.test)}{effect}"
        rows.append((_verdict(cap.test.held), text))
    _margin(out, rows, 2)


def _referral(out: Layout, trace: Trace) -> None:
    held = any(r.test.held for r in trace.reasons)
    if trace.focus:
        _heading(out, f"Referral reason (the referral level is {trace.referral_level})")
    elif held:
        _heading(out, f"Referral: {trace.referral_level}, the highest level of a reason that held")
    else:
        _heading(out, f"Referral: {trace.referral_level}, no reason held")
    rows = [(_verdict(r.test.held), f"{r.id} ({r.level}): {_test(r.test)}") for r in trace.reasons]
    _margin(out, rows, 2)


def _status(out: Layout, trace: Trace) -> None:
    chosen = any(s.test.held for s in trace.status_rules)
    why = "the first status rule that held" if chosen else "no status rule held"
    _heading(out, f"Plan status: {trace.plan_status} ({why})")
    rows = [(_verdict(s.test.held), f"{s.status}: {_test(s.test)}") for s in trace.status_rules]
    _margin(out, rows, 2)


def _exercises(out: Layout, trace: Trace) -> None:
    planned = [e for e in trace.exercises if e.place is not None]
    if trace.focus:
        _heading(out, "Exercise")
    else:
        count = len(planned)
        if count == 0:
            _heading(out, "Plan: no exercises")
        else:
            from kinecheck.scoring.assess import KIND_ORDER

            order = " before ".join(KIND_ORDER)
            _heading(out, f"Plan: {count} exercise{'' if count == 1 else 's'}, {order}")
    for exercise in planned:
        out.para(
            f"{exercise.place}. {exercise.id} ({exercise.kind}), variant {exercise.variant}, "
            f"for {', '.join(exercise.asked_by)}",
            2,
        )
        _variants(out, exercise)
        if exercise.missing_equipment:
            out.para(f"missing equipment: {', '.join(exercise.missing_equipment)}", 5)
    others = [e for e in trace.exercises if e.place is None]
    _margin(out, [(e.id, "not in the plan: " + _not_planned(trace, e)) for e in others], 2)


def _variants(out: Layout, exercise: ExerciseStep) -> None:
    """The variant rules in order, up to the one that chose; the first that holds wins."""
    rows: list[Row] = []
    for choice in exercise.choices:
        if choice.test is None:
            rows.append((YES, f"{choice.variant}: no condition (the fallback)"))
            break
        rows.append((_verdict(choice.test.held), f"{choice.variant}: {_test(choice.test)}"))
        if choice.test.held:
            break
    else:
        rows.append(("", f"no rule chose: the library's first variant, {exercise.first_variant}"))
    _margin(out, rows, 5)


def _not_planned(trace: Trace, exercise: ExerciseStep) -> str:
    if trace.plan_status is None:
        return "the rules have no plan"
    if trace.plan_status == "withheld":
        return "the plan is withheld"
    named = ", ".join(f"{f} is {level}" for f, level in exercise.named_by.items())
    return f"no finding that asks for it fired ({named})"

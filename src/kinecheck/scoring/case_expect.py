"""A case's `expect`: its shape checked against the rules, then compared with a report.

An expectation states the whole outcome of the parts the rules declare: every finding (absent
ones as `none`), every score, the referral level and the exact set of reasons, the plan
status and the plan in order; `missing_equipment` is optional. A part the rules do not have
is a mistake in the case, and so is an id the rules do not know, each at its line, with the
ids that would do. Comparing never stops at the first difference: a case lists them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kinecheck.definitions.rules import REFERRAL_ORDER
from kinecheck.definitions.rules_check import PLAN_STATUSES
from kinecheck.errors import Problem, did_you_mean
from kinecheck.numbers import number_text
from kinecheck.scoring.cases import CASE_KEYS, Case, Difference

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions
    from kinecheck.scoring.report import Report, ScoreResult

PARTS = ("findings", "scores", "referral", "plan_status", "plan", "missing_equipment")
FINDING_LEVELS = ("likely", "possible")
NONE = "none"  # a finding that did not fire, a score not scored
NONE_MEANS = {"finding": "fire", "score": "be scored"}


def required_parts(defs: Definitions) -> list[str]:
    """The parts of `expect` these rules need: one for each part of the outcome they declare."""
    rules = defs.rules
    return [
        part
        for part, declared in (
            ("findings", rules.findings),
            ("scores", rules.scores),
            ("referral", rules.referral),
            ("plan_status", rules.plan),
            ("plan", rules.plan),
        )
        if declared
    ]


def shape_problems(case: Case, defs: Definitions) -> list[Problem]:
    """Everything wrong with the case itself, before it is run; empty when it can be run."""
    problems = [
        case.problem((key,), f"unknown key '{key}'", f"a case has {', '.join(CASE_KEYS)}")
        for key in case.keys
        if key not in CASE_KEYS
    ]
    problems += [
        case.problem((), f"case '{case.name}' has no '{key}'", f"a case has {', '.join(CASE_KEYS)}")
        for key in CASE_KEYS
        if key not in case.keys
    ]
    if "why" in case.keys and not case.why.strip():
        problems.append(case.problem(("why",), "'why' is empty", "say in one line what it shows"))
    expect = case.expect
    if "expect" not in case.keys:
        return problems
    if not isinstance(expect, dict):
        return [*problems, case.problem(("expect",), "'expect' must be a mapping")]
    needed = required_parts(defs)
    for key in expect:
        if key not in PARTS:
            hint = did_you_mean(str(key), PARTS) or f"expect may hold {', '.join(PARTS)}"
            problems.append(case.problem(("expect", key), f"unknown part '{key}'", hint))
        elif key not in needed and key != "missing_equipment":
            problems.append(
                case.problem(("expect", key), f"the rules {defs.rules_ref.id} have no {key}")
            )
    problems += [
        case.problem(("expect",), f"expect has no '{part}'", "state the whole outcome")
        for part in needed
        if part not in expect
    ]
    if problems:
        return problems
    shape = _Shape(case, defs)
    for part in expect:
        getattr(shape, part)(expect[part])
    return shape.problems


class _Shape:
    """The checks of each part of `expect`; each adds to `problems`."""

    def __init__(self, case: Case, defs: Definitions) -> None:
        self.case, self.defs = case, defs
        self.problems: list[Problem] = []

    def bad(self, loc: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        self.problems.append(self.case.problem(("expect", *loc), message, hint))

    def ids(self, part: str, given: Any, known: list[str]) -> bool:
        """A mapping listing exactly the rules' ids of one kind ('findings', 'scores')."""
        kind = part.removesuffix("s")
        if not isinstance(given, dict):
            self.bad((part,), f"'{part}' maps each {kind} id to what it must be")
            return False
        for key in given:
            if key not in known:
                hint = did_you_mean(str(key), known) or f"the rules have {', '.join(known)}"
                self.bad((part, key), f"'{key}' is not a {kind} of the rules", hint)
        missing = [k for k in known if k not in given]
        if missing:
            self.bad(
                (part,),
                f"{part} must name every {kind} of the rules; missing: {', '.join(missing)}",
                f"write none for a {kind} that must not {NONE_MEANS[kind]}",
            )
        return True

    def findings(self, given: Any) -> None:
        if not self.ids("findings", given, [f.finding.id for f in self.defs.findings]):
            return
        for key, wanted in given.items():
            ok = wanted == NONE or (
                isinstance(wanted, dict)
                and set(wanted) == {"level", "score"}
                and wanted["level"] in FINDING_LEVELS
                and _is_int(wanted["score"])
            )
            if not ok:
                self.bad(
                    ("findings", key),
                    "a finding is expected as none or {level: likely|possible, score: N}",
                )

    def scores(self, given: Any) -> None:
        if not self.ids("scores", given, [s.score.id for s in self.defs.scores]):
            return
        for key, wanted in given.items():
            if isinstance(wanted, dict):
                value = wanted.get("value")
                ok = set(wanted) <= {"value", "band"} and "value" in wanted
                ok = ok and (value == NONE or _is_number(value))
                ok = ok and isinstance(wanted.get("band", ""), str)
            else:
                ok = wanted == NONE or _is_number(wanted)
            if not ok:
                self.bad(
                    ("scores", key),
                    "a score is expected as a number, none (not scored), or {value: N, band: B}",
                )

    def referral(self, given: Any) -> None:
        ok = isinstance(given, dict) and set(given) == {"level", "reasons"}
        if not ok or given["level"] not in REFERRAL_ORDER:
            self.bad(
                ("referral",),
                "the referral is expected as {level: L, reasons: [ids]}",
                f"levels: {', '.join(REFERRAL_ORDER)}",
            )
            return
        known = [r.reason.id for r in self.defs.reasons]
        reasons = given["reasons"]
        if not isinstance(reasons, list):
            self.bad(("referral", "reasons"), "reasons is a list of reason ids (or [])")
            return
        for i, reason in enumerate(reasons):
            if reason not in known:
                self.bad(
                    ("referral", "reasons", i),
                    f"'{reason}' is not a reason of the rules",
                    did_you_mean(str(reason), known),
                )

    def plan_status(self, given: Any) -> None:
        if given not in PLAN_STATUSES:
            self.bad(("plan_status",), f"plan_status is one of {', '.join(PLAN_STATUSES)}")

    def plan(self, given: Any) -> None:
        if not isinstance(given, list):
            self.bad(("plan",), "plan is a list of 'exercise:variant' (or [])")
            return
        exercises = self.defs.exercises
        for i, item in enumerate(given):
            exercise_id, _, variant = str(item).partition(":")
            if exercise_id not in exercises:
                hint = did_you_mean(exercise_id, exercises) or "write 'exercise:variant'"
                self.bad(("plan", i), f"unknown exercise '{exercise_id}'", hint)
            elif variant not in (v.id for v in exercises[exercise_id].variants):
                known = ", ".join(v.id for v in exercises[exercise_id].variants)
                self.bad(("plan", i), f"'{item}': {exercise_id} has the variants {known}")

    def missing_equipment(self, given: Any) -> None:
        ok = isinstance(given, dict) and all(
            isinstance(v, list) and all(isinstance(e, str) for e in v) for v in given.values()
        )
        if not ok:
            self.bad(("missing_equipment",), "missing_equipment maps exercises to lists")


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


# -- comparing ---------------------------------------------------------------------------------


def differences(case: Case, report: Report) -> list[Difference]:
    """Every expected value the report does not give, each at its own line."""
    expect = case.expect
    out: list[Difference] = []

    def differ(loc: tuple[str, ...], what: str, wanted: str, got: str, note: str = "") -> None:
        if wanted != got:
            out.append(Difference(what, wanted, got, case.where("expect", *loc), note or None))

    fired = {f.id: f for f in report.findings}
    for finding_id, wanted in expect.get("findings", {}).items():
        got = fired.get(finding_id)
        actual = NONE if got is None else f"{got.level}, {_points(got.score)}"
        expected = NONE if wanted == NONE else f"{wanted['level']}, {_points(wanted['score'])}"
        capped = "a cap lowered it to possible" if got is not None and got.capped else ""
        differ(("findings", finding_id), f"finding {finding_id}", expected, actual, capped)
    scored = {s.id: s for s in report.scores or []}
    for score_id, wanted in expect.get("scores", {}).items():
        got_score = scored[score_id]
        band = isinstance(wanted, dict) and "band" in wanted
        expected = _score_text(wanted)
        actual = _score_text(_as_expected(got_score, band=band))
        note = "" if got_score.scored else f"not scored: {got_score.why_not_scored}"
        differ(("scores", score_id), f"score {score_id}", expected, actual, note)
    if "referral" in expect:
        differ(
            ("referral", "level"),
            "referral level",
            expect["referral"]["level"],
            report.referral.level,
        )
        wanted_reasons = set(expect["referral"]["reasons"])
        got_reasons = {r.id for r in report.referral.reasons}
        missing, extra = sorted(wanted_reasons - got_reasons), sorted(got_reasons - wanted_reasons)
        note = "; ".join(
            part
            for part in (
                f"did not hold: {', '.join(missing)}" if missing else "",
                f"held but not expected: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        differ(
            ("referral", "reasons"),
            "referral reasons",
            _list(sorted(wanted_reasons)),
            _list(sorted(got_reasons)),
            note,
        )
    if "plan_status" in expect:
        differ(("plan_status",), "plan status", expect["plan_status"], str(report.plan_status))
    if "plan" in expect:
        plan = [f"{item.exercise}:{item.variant}" for item in report.plan]
        differ(("plan",), "plan (in order)", _list(expect["plan"]), _list(plan))
    if "missing_equipment" in expect:
        wanted_missing = {ex: sorted(m) for ex, m in expect["missing_equipment"].items() if m}
        got_missing = {i.exercise: sorted(i.missing_equipment) for i in report.plan}
        differ(
            ("missing_equipment",),
            "missing equipment",
            _mapping(wanted_missing),
            _mapping({ex: m for ex, m in got_missing.items() if m}),
        )
    return out


def _as_expected(score: ScoreResult, *, band: bool) -> Any:
    """A score as a case would write it (with its band when the case gives one)."""
    value = NONE if score.value is None else score.value
    return {"value": value, "band": score.band} if band else value


def _score_text(wanted: Any) -> str:
    if isinstance(wanted, dict):
        value = _score_text(wanted["value"])
        return value + (f", band '{wanted['band']}'" if wanted.get("band") is not None else "")
    return NONE if wanted == NONE else number_text(wanted)


def _points(n: int) -> str:
    return f"{n} point{'' if n == 1 else 's'}"


def _list(items: list[str]) -> str:
    return "[" + ", ".join(str(i) for i in items) + "]"


def _mapping(items: dict[str, list[str]]) -> str:
    return "{" + ", ".join(f"{k}: {_list(v)}" for k, v in items.items()) + "}"

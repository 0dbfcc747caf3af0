"""Answers -> Report: findings with their evidence, referral, plan status and the exercise plan.

`assess` is a pure function of the definitions and checked answers. An `Assessor` prepares
everything that depends only on the definitions once: rule conditions as bare closures in
flat tuples, reason and referral blocks, and each exercise block of the plan both as plain
data and as pre-serialised JSON. One `_outcome` pass decides what fired; it is then finished
either as a `Report` (the library API, renderers) or straight to compact JSON bytes (batch
scoring), which is the same JSON as `render.jsonout.to_bytes(report)`, byte for byte.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from kinecheck.models.questionnaire import choice_ids
from kinecheck.models.rules import REFERRAL_ORDER

if TYPE_CHECKING:
    from kinecheck.conditions import Condition
    from kinecheck.loading import Definitions
    from kinecheck.models.report import PlanItem, Report
    from kinecheck.models.rules import PlanStatus

Answers = Mapping[str, Any]
Test = Callable[[Answers], bool]

SCHEMA_VERSION = 1  # kinecheck.models.report.SCHEMA_VERSION, without importing the models
_RANK = {level: i for i, level in enumerate(REFERRAL_ORDER)}
_KIND_ORDER = {"mobility": 0, "stability": 1}
_CACHE_LIMIT = 4096  # distinct referral / plan blocks kept per definitions (bounded memory)


class _Finding(NamedTuple):
    """A finding flattened for the hot loop."""

    id: str
    title: str
    rows: tuple[tuple[Test, int, str, str, tuple[str, ...]], ...]  # test, points, because, ...
    possible: int
    likely: int
    caps: tuple[tuple[Test, str], ...]  # only caps that can lower 'likely' to 'possible'
    statements: dict[str, str]
    notes: list[str]
    exercises: tuple[str, ...]


class _Fused:
    """Evaluates a list of conditions at once, returning the indexes of those that hold.

    Conditions that are only `'choice' in question` on a multiple choice question (such as a
    list of warning signs, one reason each) are fused: one look-up per ticked choice instead
    of one test per condition. The rest are called one by one.
    """

    def __init__(self, conditions: list[Condition], defs: Definitions) -> None:
        from kinecheck.models.questionnaire import MultiChoice

        fused: dict[str, dict[str, list[int]]] = {}
        plain: list[tuple[int, Test]] = []
        for i, cond in enumerate(conditions):
            member = _membership(cond.source)
            if member is not None and isinstance(defs.questions.get(member[0]), MultiChoice):
                fused.setdefault(member[0], {}).setdefault(member[1], []).append(i)
            else:
                plain.append((i, cond.evaluate))
        self.plain = tuple(plain)
        self.fused = tuple(
            (name, {c: tuple(ix) for c, ix in by.items()}) for name, by in fused.items()
        )
        self.slow = {  # the fused tests one by one, for answers that are not a list of ids
            name: tuple((i, conditions[i].evaluate) for ix in by.values() for i in ix)
            for name, by in fused.items()
        }

    def __call__(self, answers: Answers) -> list[int]:
        """Indexes of the conditions that hold, in no particular order."""
        hits = [i for i, test in self.plain if test(answers)]
        for name, index in self.fused:
            chosen = answers.get(name)
            if chosen is None:
                continue
            if type(chosen) is list:
                try:  # set(): each reason once even if a choice were listed twice
                    for choice in set(chosen) if len(chosen) > 1 else chosen:
                        found = index.get(choice)
                        if found is not None:
                            hits.extend(found)
                    continue
                except TypeError:  # an unhashable item (never in checked answers)
                    pass
            hits.extend(i for i, test in self.slow[name] if test(answers))
        return hits


def _membership(source: str) -> tuple[str, str] | None:
    """(question, choice) when a condition is exactly `'choice' in question`."""
    import ast

    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.In)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
        and isinstance(node.comparators[0], ast.Name)
    ):
        return node.comparators[0].id, node.left.value
    return None


class _Choosing(NamedTuple):
    """How one exercise's variant is chosen and which of its equipment can be missing."""

    rules: tuple[tuple[str, Test | None], ...]
    fallback: str
    countable: dict[str, tuple[str, ...]]


class _Outcome(NamedTuple):
    """What fired for one answer set, before it is finished as a model or as JSON."""

    answers: dict[str, Any]
    findings: list[dict[str, Any]]
    reasons: tuple[int, ...]  # indexes into Assessor.reasons, in report order
    level: str
    status: PlanStatus
    plan: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]  # see _plan_key


class Assessor:
    """Scores answer sets for one set of definitions; build once, call many times."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        rules = defs.rules
        self._head: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "questionnaire": dataclasses.asdict(defs.questionnaire_ref),
            "rules": dataclasses.asdict(defs.rules_ref),
            "exercises": dataclasses.asdict(defs.library_ref),
        }
        self.findings = tuple(
            _Finding(
                id=cf.finding.id,
                title=cf.finding.title,
                rows=tuple(
                    (
                        row.condition.evaluate,
                        row.points,
                        row.because,
                        row.question,
                        tuple(n for n in row.condition.names if n != row.question)
                        if len(row.condition.names) > 1
                        else (),
                    )
                    for row in cf.rows
                ),
                possible=cf.finding.thresholds.possible,
                likely=cf.finding.thresholds.likely,
                caps=tuple(
                    (cond.evaluate, cap.because)
                    for cap, cond in cf.caps
                    if cap.max_level == "possible"
                ),
                statements={str(k): v for k, v in cf.finding.statement.items()},
                notes=list(cf.finding.notes),
                exercises=tuple(cf.finding.exercises),
            )
            for cf in defs.findings
        )
        self.reasons = tuple(
            ({"id": r.id, "level": r.level, "message": r.message}, _RANK[r.level], cond.evaluate)
            for r, cond in defs.reasons
        )
        self._reason_tests = _Fused([cond for _, cond in defs.reasons], defs)
        self._reason_order = [(-rank, i) for i, (_, rank, _) in enumerate(self.reasons)]
        self.levels: dict[str, tuple[str, str]] = {
            lvl: (a.title, a.message) for lvl, a in rules.referral.levels.items()
        }
        self.status_rules = tuple((cond.evaluate, rule.status) for rule, cond in defs.status)
        self.status_messages: dict[str, str] = {
            str(k): v for k, v in rules.plan.status_messages.items()
        }
        self.empty_plan_message = rules.plan.empty_message
        self.exercises = defs.library.by_id()
        eq = rules.plan.equipment_question
        self.equipment_question = eq
        countable = frozenset(choice_ids(defs.questions[eq])) if eq else frozenset()
        # per exercise: its variant rules, the fallback variant, and for each variant the
        # equipment the equipment question asks about (only that can be reported missing)
        self._choosing = {
            ex.id: _Choosing(
                tuple(
                    (v, None if c is None else c.evaluate) for v, c in defs.variants.get(ex.id, ())
                ),
                ex.variants[0].id,
                {v.id: tuple(e for e in v.equipment if e in countable) for v in ex.variants},
            )
            for ex in defs.library.exercises
        }
        self._by_id = {f.id: f for f in self.findings}
        self._skeletons: dict[tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, ...]], ...]]
        self._skeletons = {}
        self._json: _JsonPieces | None = None
        self._plan_items: dict[tuple[Any, ...], tuple[dict[str, Any], bytes]] = {}

    # -- deciding ------------------------------------------------------------------------------
    def _outcome(self, answers: Answers) -> _Outcome:
        context = dict(answers)
        findings: list[dict[str, Any]] = []
        fired: list[tuple[str, str]] = []
        get = answers.get
        for f in self.findings:
            hits = [row for row in f.rows if row[0](answers)]
            score = 0
            for row in hits:
                score += row[1]
            if score < f.possible:
                context[f.id] = "none"
                continue
            evidence = [
                {
                    "question": question,
                    "answer": get(question),
                    "points": points,
                    "because": because,
                    "answers": {n: get(n) for n in others} if others else {},
                }
                for _, points, because, question, others in hits
            ]
            level, capped = ("likely", None) if score >= f.likely else ("possible", None)
            if level == "likely":
                for test, because in f.caps:
                    if test(answers):
                        level, capped = "possible", because
                        break
            context[f.id] = level
            fired.append((f.id, level))
            findings.append(
                {
                    "id": f.id,
                    "title": f.title,
                    "level": level,
                    "score": score,
                    "statement": f.statements[level],
                    "evidence": evidence,
                    "capped": capped,
                    "notes": f.notes,
                }
            )

        reasons = self._reason_tests(context)
        if reasons:
            reasons.sort(key=self._reason_order.__getitem__)  # highest level, then file order
            level = self.reasons[reasons[0]][0]["level"]
        else:
            level = "none"

        context["referral_level"] = level
        status: PlanStatus = "ready"
        for test, rule_status in self.status_rules:
            if test(context):
                status = rule_status
                break
        plan = () if status == "withheld" else self._plan_key(fired, answers)
        if type(answers) is dict and None not in answers.values():
            kept = answers
        else:
            kept = {k: v for k, v in answers.items() if v is not None}
        return _Outcome(kept, findings, tuple(reasons), level, status, plan)

    def _plan_key(
        self, fired: list[tuple[str, str]], answers: Answers
    ) -> tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]:
        """(exercise, variant, missing equipment, because) per plan item, in plan order."""
        key = tuple(fired)
        skeleton = self._skeletons.get(key)
        if skeleton is None:
            skeleton = self._skeletons[key] = self._skeleton(key)  # at most 3**findings
        eq = self.equipment_question
        have = (answers.get(eq) or ()) if eq else ()
        plan = []
        for ex_id, because in skeleton:
            rules, variant, countable = self._choosing[ex_id]
            for candidate, test in rules:
                if test is None or test(answers):
                    variant = candidate
                    break
            needed = countable[variant]
            missing = tuple(e for e in needed if e not in have) if needed else ()
            plan.append((ex_id, variant, missing, because))
        return tuple(plan)

    def _skeleton(
        self, fired: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Plan exercises with the findings that asked for each, mobility before stability."""
        chosen: dict[str, list[str]] = {}
        for want_likely in (True, False):
            for finding_id, level in fired:
                if (level == "likely") is want_likely:
                    for ex_id in self._by_id[finding_id].exercises:
                        chosen.setdefault(ex_id, []).append(finding_id)
        items = sorted(chosen.items(), key=lambda kv: _KIND_ORDER[self.exercises[kv[0]].kind])
        return tuple((ex_id, tuple(because)) for ex_id, because in items)

    # -- prepared blocks -----------------------------------------------------------------------
    def _plan_item(
        self, key: tuple[str, str, tuple[str, ...], tuple[str, ...]]
    ) -> tuple[dict[str, Any], bytes]:
        """One exercise block as (plain data, compact JSON), made once per distinct key."""
        item = self._plan_items.get(key)
        if item is None:
            from kinecheck.models.report import DoseOut, PlanItem
            from kinecheck.render.jsonout import dumps

            ex_id, variant_id, missing, because = key
            exercise = self.exercises[ex_id]
            variant = exercise.variant(variant_id)
            subs = self.defs.library.substitutes
            model = PlanItem(
                exercise=exercise.id,
                name=exercise.name,
                target=exercise.target,
                kind=exercise.kind,
                variant=variant.id,
                variant_name=variant.name,
                sides=exercise.sides,
                equipment=list(variant.equipment),
                missing_equipment=list(missing),
                substitutes={e: subs[e] for e in missing if e in subs},
                dose=DoseOut(**dataclasses.asdict(exercise.dose)),
                purpose=exercise.purpose,
                setup=variant.setup,
                steps=list(variant.steps),
                too_far=exercise.too_far,
                easier=exercise.easier,
                cautions=list(exercise.cautions),
                notes=list(exercise.notes),
                because=list(because),
            )
            item = (dataclasses.asdict(model), dumps(model))
            if len(self._plan_items) < _CACHE_LIMIT:
                self._plan_items[key] = item
        return item

    def _referral_data(self, outcome: _Outcome) -> dict[str, Any]:
        title, message = self.levels[outcome.level]
        return {
            "level": outcome.level,
            "title": title,
            "message": message,
            "reasons": [self.reasons[i][0] for i in outcome.reasons],
        }

    # -- finishing -----------------------------------------------------------------------------
    def status_message(self, status: str, has_exercises: bool) -> str:
        """The plan's message: the status's own, or the empty-plan one when nothing was chosen."""
        if not has_exercises and status != "withheld" and self.empty_plan_message:
            return self.empty_plan_message
        return self.status_messages[status]

    def __call__(self, answers: Answers) -> Report:
        """Assess checked answers (see `kinecheck.answers`) into a report."""
        from kinecheck.models import report as r

        o = self._outcome(answers)
        # Every list and dict is a fresh copy: no report shares one with the answers given,
        # another report, or the prepared blocks.
        findings = [
            r.FindingResult(
                **{
                    **f,
                    "notes": list(f["notes"]),
                    "evidence": [
                        r.Evidence(
                            **{**e, "answer": _copy(e["answer"]), "answers": _copy(e["answers"])}
                        )
                        for e in f["evidence"]
                    ],
                }
            )
            for f in o.findings
        ]
        referral = self._referral_data(o)
        return r.Report(
            questionnaire=r.DefinitionRef(**self._head["questionnaire"]),
            rules=r.DefinitionRef(**self._head["rules"]),
            exercises=r.DefinitionRef(**self._head["exercises"]),
            answers=_copy(o.answers),
            findings=findings,
            referral=r.ReferralResult(
                **{**referral, "reasons": [r.ReasonResult(**x) for x in referral["reasons"]]}
            ),
            plan_status=o.status,
            plan_status_message=self.status_message(o.status, bool(o.plan)),
            plan=[_plan_item_of(self._plan_item(key)[0]) for key in o.plan],
            disclaimer=self.defs.rules.disclaimer,
            stop_rule=self.defs.rules.stop_rule,
        )

    def to_json(self, answers: Answers) -> bytes:
        """The report as compact JSON (one line): `jsonout.to_bytes(self(answers))`."""
        start, tail = self.json_parts(answers)
        return start + tail

    def json_parts(self, answers: Answers) -> tuple[bytes, bytes]:
        """The compact JSON report in two parts: up to the referral, and the rest.

        Only the answers and findings are serialised per call; everything else is spliced in
        from pieces serialised once: the head, each referral level and reason, and the tail
        from `plan_status` to `stop_rule` for each distinct plan (exercise blocks included).
        The tail is one shared object per distinct plan, which batch workers exploit.
        """
        if self._json is None:
            self._json = _JsonPieces(self)
        pieces = self._json
        o = self._outcome(answers)
        tail = pieces.tails.get((o.status, o.plan))
        if tail is None:
            tail = pieces.tail(o.status, o.plan)
        reasons = pieces.reasons
        try:
            start = b"".join(
                (
                    pieces.head,
                    pieces.dumps(o.answers),
                    b',"findings":',
                    pieces.dumps(o.findings),
                    b',"referral":',
                    pieces.levels[o.level],
                    b",".join([reasons[i] for i in o.reasons]),
                )
            )
        except TypeError:  # an integer beyond 64 bits, which orjson refuses
            from kinecheck.render.jsonout import to_bytes

            return to_bytes(self(answers)), b""
        return start, tail


class _JsonPieces:
    """Compact JSON of everything in a report that does not depend on the answers."""

    def __init__(self, assessor: Assessor) -> None:
        import orjson

        self.dumps = orjson.dumps
        self.assessor = assessor
        # b'{"schema_version":1,...,"exercises":{...},"answers":'
        self.head = orjson.dumps(assessor._head)[:-1] + b',"answers":'
        # b'{"level":"urgent","title":"...","message":"...","reasons":['
        self.levels = {
            level: orjson.dumps({"level": level, "title": t, "message": m, "reasons": []})[:-2]
            for level, (t, m) in assessor.levels.items()
        }
        self.reasons = [orjson.dumps(data) for data, _, _ in assessor.reasons]
        self.tails: dict[tuple[str, tuple[Any, ...]], bytes] = {}

    def tail(self, status: str, plan: tuple[Any, ...]) -> bytes:
        """b']},"plan_status":...,"stop_rule":"..."}' for one plan status and plan."""
        a = self.assessor
        blocks = b"[" + b",".join(a._plan_item(key)[1] for key in plan) + b"]"
        rest = self.dumps(
            {
                "plan_status": status,
                "plan_status_message": a.status_message(status, bool(plan)),
                "plan": _fragment(blocks),
                "disclaimer": a.defs.rules.disclaimer,
                "stop_rule": a.defs.rules.stop_rule,
            }
        )
        tail = b"]}," + rest[1:]
        if len(self.tails) < _CACHE_LIMIT:
            self.tails[(status, plan)] = tail
        return tail


def _copy(value: Any) -> Any:
    """A copy of an answer or a mapping of answers (lists and dicts, one level deep)."""
    if type(value) is list:
        return list(value)
    if type(value) is dict:
        return {k: list(v) if type(v) is list else v for k, v in value.items()}
    return value


def _plan_item_of(data: dict[str, Any]) -> PlanItem:
    """A PlanItem from its prepared plain data, with its own lists and dicts."""
    from kinecheck.models.report import DoseOut, PlanItem

    fields: dict[str, Any] = {k: list(v) if type(v) is list else v for k, v in data.items()}
    fields["substitutes"] = dict(data["substitutes"])
    fields["dose"] = DoseOut(**data["dose"])
    return PlanItem(**fields)


def _fragment(raw: bytes) -> Any:
    """Already-serialised JSON that orjson copies as it is."""
    import orjson

    return orjson.Fragment(raw)


@functools.lru_cache(maxsize=16)
def assessor_for(defs: Definitions) -> Assessor:
    """The cached Assessor of a set of definitions."""
    return Assessor(defs)


def assess(defs: Definitions, answers: Mapping[str, Any]) -> Report:
    """Turn checked answers into a report (pure: same inputs, same report)."""
    return assessor_for(defs)(answers)


def assess_json(defs: Definitions, answers: Mapping[str, Any]) -> bytes:
    """Checked answers -> the report as compact JSON bytes, without building models."""
    return assessor_for(defs).to_json(answers)

"""Definition files -> validated, cross-checked, compiled models.

Every problem names the file, line and field, says what is allowed and, for a misspelled id,
what was probably meant. All problems of all files are collected before anything is raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kinecheck.definitions import yamlsource
from kinecheck.definitions.base import DefinitionRef
from kinecheck.definitions.catalog import DEFINITION_SUFFIXES
from kinecheck.definitions.conditions import Condition, ConditionError, Symbol, compile_condition
from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.questionnaire import (
    MultiChoice,
    NumberBase,
    QuestionBase,
    Questionnaire,
    SingleChoice,
    Text,
    YesNo,
    choice_ids,
)
from kinecheck.definitions.rules import REFERRAL_ORDER, Cap, Finding, Reason, RuleSet, StatusRule
from kinecheck.errors import DefinitionError, InputError, Problem, did_you_mean

M = TypeVar("M")
FINDING_VALUES = frozenset({"none", "possible", "likely"})


@dataclass(frozen=True)
class CompiledRow:
    """A point row with its compiled condition and the question shown as evidence."""

    points: int
    because: str
    question: str
    condition: Condition


@dataclass(frozen=True)
class CompiledCap:
    """A cap on a finding's level, with its compiled condition."""

    cap: Cap
    condition: Condition

    @property
    def because(self) -> str:
        """Why the level was lowered, as the report shows it."""
        return self.cap.because

    @property
    def lowers_to_possible(self) -> bool:
        """A cap at 'likely' can never lower anything; one at 'possible' can."""
        return self.cap.max_level == "possible"


@dataclass(frozen=True)
class CompiledFinding:
    """A finding with compiled point rows and caps."""

    finding: Finding
    rows: tuple[CompiledRow, ...]
    caps: tuple[CompiledCap, ...]


@dataclass(frozen=True)
class CompiledReason:
    """A referral reason with its compiled condition."""

    reason: Reason
    condition: Condition


@dataclass(frozen=True)
class CompiledStatus:
    """A plan status rule with its compiled condition."""

    rule: StatusRule
    condition: Condition


@dataclass(frozen=True)
class CompiledVariant:
    """One way to pick an exercise's variant; no condition means the fallback."""

    variant: str
    condition: Condition | None


@dataclass(frozen=True, eq=False)
class Definitions:
    """Everything needed to ask a questionnaire and assess its answers, checked and compiled."""

    questionnaire: Questionnaire
    rules: RuleSet
    library: ExerciseLibrary
    questionnaire_ref: DefinitionRef
    rules_ref: DefinitionRef
    library_ref: DefinitionRef
    questions: dict[str, QuestionBase]
    when: dict[str, Condition]
    findings: tuple[CompiledFinding, ...]
    reasons: tuple[CompiledReason, ...]
    status: tuple[CompiledStatus, ...]
    variants: dict[str, tuple[CompiledVariant, ...]]


# -- questionnaires ----------------------------------------------------------------------------


def symbol_for(question: QuestionBase) -> Symbol:
    """The condition-language type of a question's answer."""
    if isinstance(question, MultiChoice):
        return Symbol("multi", frozenset(choice_ids(question)))
    if isinstance(question, SingleChoice | YesNo):
        return Symbol("choice", frozenset(choice_ids(question)))
    if isinstance(question, NumberBase):
        return Symbol("number")
    assert isinstance(question, Text)
    return Symbol("text")


def check_questionnaire(
    q: Questionnaire, source: yamlsource.Source
) -> tuple[dict[str, Condition], list[Problem]]:
    """Duplicate ids, defaults, and `when` conditions that may only name earlier questions."""
    problems: list[Problem] = []
    when: dict[str, Condition] = {}
    seen_sections: set[str] = set()
    earlier: dict[str, Symbol] = {}
    all_choices = frozenset(c for qq in q.questions() for c in choice_ids(qq))
    all_ids = {qq.id for qq in q.questions()}
    for si, section in enumerate(q.sections):
        sloc: tuple[str | int, ...] = ("sections", si)
        if section.id in seen_sections:
            problems.append(source.problem((*sloc, "id"), f"duplicate section id '{section.id}'"))
        seen_sections.add(section.id)
        for qi, question in enumerate(section.questions):
            loc: tuple[str | int, ...] = (*sloc, "questions", qi)
            if question.id in earlier:
                problems.append(
                    source.problem((*loc, "id"), f"duplicate question id '{question.id}'")
                )
            ids = choice_ids(question)
            if isinstance(question, SingleChoice | MultiChoice):
                for ci, c in enumerate(ids):
                    if c in ids[:ci]:
                        problems.append(
                            source.problem(
                                (*loc, "choices", ci, "id"),
                                f"duplicate choice id '{c}' (first given as choice "
                                f"{ids.index(c) + 1})",
                                "each choice of a question needs its own id",
                            )
                        )
            default = getattr(question, "default", None)
            if isinstance(question, SingleChoice) and default is not None and default not in ids:
                problems.append(
                    source.problem(
                        (*loc, "default"),
                        f"default '{default}' is not one of the choices",
                        did_you_mean(default, ids),
                    )
                )
            if question.when is not None:
                try:
                    when[question.id] = compile_condition(question.when, earlier, all_choices)
                except ConditionError as exc:
                    message, hint = exc.message, exc.hint
                    if exc.name == question.id:
                        message = f"'{question.id}' cannot be asked depending on its own answer"
                        hint = "name only questions asked before it in its 'when'"
                    elif exc.name is not None and exc.name in all_ids:
                        message = (
                            f"'{exc.name}' is asked after '{question.id}', so it has no answer "
                            "yet when this condition is checked"
                        )
                        hint = (
                            "a question may only depend on questions asked before it: move "
                            f"'{exc.name}' above '{question.id}' or change the condition"
                        )
                    problems.append(source.problem((*loc, "when"), message, hint))
            earlier[question.id] = symbol_for(question)
    return when, problems


# -- rules ------------------------------------------------------------------------------------


def check_rules(
    rules: RuleSet, q: Questionnaire, library: ExerciseLibrary | None, source: yamlsource.Source
) -> tuple[dict[str, Any], list[Problem]]:
    """Compile every rule condition against the questionnaire and check every reference."""
    problems: list[Problem] = []
    questions = q.question_map()
    symbols = {qid: symbol_for(question) for qid, question in questions.items()}
    all_choices = frozenset(c for qq in questions.values() for c in choice_ids(qq))

    def compile_at(
        loc: tuple[str | int, ...], text: str, names: dict[str, Symbol]
    ) -> Condition | None:
        try:
            return compile_condition(text, names, all_choices)
        except ConditionError as exc:
            problems.append(source.problem(loc, exc.message, exc.hint))
            return None

    if rules.questionnaire != q.id:
        problems.append(
            source.problem(
                ("questionnaire",),
                f"rules are for '{rules.questionnaire}' but the questionnaire is '{q.id}'",
                f"write questionnaire: {q.id}, or load these rules with their own questionnaire",
            )
        )

    findings: list[CompiledFinding] = []
    finding_ids: set[str] = set()
    exercise_ids = set(library.by_id()) if library else set()
    for fi, finding in enumerate(rules.findings):
        floc: tuple[str | int, ...] = ("findings", fi)
        if finding.id in finding_ids:
            problems.append(source.problem((*floc, "id"), f"duplicate finding id '{finding.id}'"))
        if finding.id in questions:
            problems.append(
                source.problem(
                    (*floc, "id"), f"finding id '{finding.id}' is also a question id; pick another"
                )
            )
        finding_ids.add(finding.id)
        rows: list[CompiledRow] = []
        for ri, row in enumerate(finding.points):
            cond = compile_at((*floc, "points", ri, "when"), row.when, symbols)
            evidence = row.question or (cond.names[0] if cond and cond.names else None)
            if row.question is not None and row.question not in questions:
                problems.append(
                    source.problem(
                        (*floc, "points", ri, "question"),
                        f"unknown question '{row.question}'",
                        did_you_mean(row.question, questions),
                    )
                )
            elif cond is not None and evidence is None:
                problems.append(
                    source.problem(
                        (*floc, "points", ri),
                        "this row names no question; add 'question:' for its evidence",
                    )
                )
            if cond is not None and evidence is not None:
                rows.append(CompiledRow(row.points, row.because, evidence, cond))
        caps = []
        for ci, cap in enumerate(finding.caps):
            cond = compile_at((*floc, "caps", ci, "when"), cap.when, symbols)
            if cond is not None:
                caps.append(CompiledCap(cap, cond))
        for ei, ex in enumerate(finding.exercises):
            if library is not None and ex not in exercise_ids:
                problems.append(
                    source.problem(
                        (*floc, "exercises", ei),
                        f"unknown exercise '{ex}'",
                        did_you_mean(ex, exercise_ids),
                    )
                )
        findings.append(CompiledFinding(finding, tuple(rows), tuple(caps)))

    with_findings = dict(symbols)
    with_findings.update(
        {f: Symbol("choice", FINDING_VALUES, "finding") for f in finding_ids if f not in symbols}
    )
    reasons = []
    reason_ids: set[str] = set()
    for ri, reason in enumerate(rules.referral.reasons):
        if reason.id in reason_ids:
            problems.append(
                source.problem(
                    ("referral", "reasons", ri, "id"), f"duplicate reason id '{reason.id}'"
                )
            )
        reason_ids.add(reason.id)
        cond = compile_at(("referral", "reasons", ri, "when"), reason.when, with_findings)
        if cond is not None:
            reasons.append(CompiledReason(reason, cond))

    with_level = dict(with_findings)
    with_level["referral_level"] = Symbol("choice", frozenset(REFERRAL_ORDER), "referral level")
    status = []
    for si, rule in enumerate(rules.plan.status):
        cond = compile_at(("plan", "status", si, "when"), rule.when, with_level)
        if cond is not None:
            status.append(CompiledStatus(rule, cond))
    if not any(rule.status == "withheld" for rule in rules.plan.status):
        problems.append(
            source.problem(
                ("plan", "status"),
                "no rule withholds the exercises: warning signs must lead to care first",
                "add a rule such as {status: withheld, when: \"referral_level in ['soon', "
                "'urgent', 'emergency']\"}",
            )
        )
    missing_messages = {"ready", "after_clearance", "withheld"} - set(rules.plan.status_messages)
    if missing_messages:
        problems.append(
            source.problem(
                ("plan", "status_messages"),
                "needs a message for: " + ", ".join(sorted(missing_messages)),
            )
        )

    eq = rules.plan.equipment_question
    if eq is not None and not isinstance(questions.get(eq), MultiChoice):
        multis = [qid for qid, qq in questions.items() if isinstance(qq, MultiChoice)]
        found = questions.get(eq)
        message = (
            f"unknown question '{eq}'"
            if found is None
            else f"'{eq}' is a question of type {getattr(found, 'type', '?')}, but the "
            "equipment question must be a multiple choice question (type: multi)"
        )
        hint = (did_you_mean(eq, multis) if found is None else None) or (
            "multiple choice questions: " + (", ".join(multis) or "none")
        )
        problems.append(source.problem(("plan", "equipment_question"), message, hint))

    variants: dict[str, tuple[CompiledVariant, ...]] = {}
    exercises = library.by_id() if library else {}
    for ex_id, choices in rules.plan.variants.items():
        vloc: tuple[str | int, ...] = ("plan", "variants", ex_id)
        exercise = exercises.get(ex_id)
        if library is not None and exercise is None:
            problems.append(
                source.problem(vloc, f"unknown exercise '{ex_id}'", did_you_mean(ex_id, exercises))
            )
            continue
        compiled: list[CompiledVariant] = []
        for vi, choice in enumerate(choices):
            known = [v.id for v in exercise.variants] if exercise else []
            if exercise is not None and choice.variant not in known:
                problems.append(
                    source.problem(
                        (*vloc, vi, "variant"),
                        f"'{choice.variant}' is not a variant of '{ex_id}'",
                        did_you_mean(choice.variant, known) or "variants: " + ", ".join(known),
                    )
                )
            cond = (
                None
                if choice.when is None
                else compile_at((*vloc, vi, "when"), choice.when, symbols)
            )
            compiled.append(CompiledVariant(choice.variant, cond))
        if choices and choices[-1].when is not None:
            problems.append(
                source.problem(
                    (*vloc, len(choices) - 1),
                    f"the last variant of '{ex_id}' needs no 'when': it is the fallback",
                )
            )
        variants[ex_id] = tuple(compiled)
    return {
        "findings": tuple(findings),
        "reasons": tuple(reasons),
        "status": tuple(status),
        "variants": variants,
    }, problems


# -- files and search paths -------------------------------------------------------------------


def _ref(model_id: str, version: str, source: yamlsource.Source) -> DefinitionRef:
    return DefinitionRef(
        id=model_id, version=version, sha256=hashlib.sha256(source.raw).hexdigest()
    )


def _load(
    path: Path,
    model: type[M],
    problems: list[Problem],
    missing: Problem | None = None,
) -> tuple[M | None, yamlsource.Source | None]:
    """Load one file; with `missing`, a file that is not there is that problem, not an error."""
    if missing is not None and not path.exists():
        problems.append(missing)
        return None, None
    try:
        source = yamlsource.load(path)
    except DefinitionError as exc:
        problems.extend(exc.problems)
        return None, None
    except InputError as exc:
        if missing is None:
            raise
        problems.append(Problem(str(exc)))  # an empty or unreadable rules file or library
        return None, None
    from kinecheck.definitions.model_errors import (
        validate_model,  # pydantic: only when files are read
    )

    parsed, found = validate_model(model, source)
    problems.extend(found)
    return parsed, source


def load_definitions(questionnaire_path: Path, rules_path: Path | None = None) -> Definitions:
    """Load, check and compile a questionnaire, its rules and exercise library."""
    problems: list[Problem] = []
    q, q_src = _load(questionnaire_path, Questionnaire, problems)
    when: dict[str, Condition] = {}
    if q is not None and q_src is not None:
        when, found = check_questionnaire(q, q_src)
        problems.extend(found)
    qid = q.id if q else questionnaire_path.stem
    rules_path = rules_path or default_rules_path(questionnaire_path, qid)
    no_rules = Problem(
        f"no rules for questionnaire '{qid}': {rules_path} does not exist",
        file=str(questionnaire_path),
        hint="keep a questionnaire's rules in rules/<id>.yaml beside its questionnaires/ folder",
    )
    rules, r_src = _load(rules_path, RuleSet, problems, no_rules)
    library = l_src = None
    if rules is not None and r_src is not None:
        library_path = rules_path.parent / rules.exercise_library
        no_library = r_src.problem(
            ("exercise_library",),
            f"the exercise library {library_path} does not exist",
            "exercise_library is a path relative to the rules file (default: exercises.yaml)",
        )
        library, l_src = _load(library_path, ExerciseLibrary, problems, no_library)
    compiled: dict[str, Any] = {}
    if q is not None and rules is not None and r_src is not None:
        compiled, found = check_rules(rules, q, library, r_src)
        problems.extend(found)
    if problems:
        raise DefinitionError(problems)
    assert q and q_src and rules and r_src and library and l_src
    return Definitions(
        questionnaire=q,
        rules=rules,
        library=library,
        questionnaire_ref=_ref(q.id, q.version, q_src),
        rules_ref=_ref(str(rules.id), rules.version, r_src),
        library_ref=_ref("exercises", library.version, l_src),
        questions=q.question_map(),
        when=when,
        **compiled,
    )


def default_rules_path(questionnaire_path: Path, questionnaire_id: str) -> Path:
    """By convention `<root>/questionnaires/<id>.yaml` has its rules at `<root>/rules/<id>.yaml`."""
    root = questionnaire_path.resolve().parent.parent
    for name in (questionnaire_id, questionnaire_path.stem):
        for ext in DEFINITION_SUFFIXES:
            candidate = root / "rules" / f"{name}{ext}"
            if candidate.is_file():
                return candidate
    return root / "rules" / f"{questionnaire_id}.yaml"


def kind_of(data: Any) -> type[Any] | None:
    """Guess what kind of definition a parsed file holds, from its top-level fields."""
    if not isinstance(data, dict):
        return None
    if "sections" in data:
        return Questionnaire
    if "findings" in data or "referral" in data:
        return RuleSet
    if "exercises" in data:
        return ExerciseLibrary
    return None


def iter_definition_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and YAML/JSON files inside folders named (sorted, recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in DEFINITION_SUFFIXES and "cases" not in p.relative_to(path).parts
                )
            )
        else:
            out.append(path)
    return out

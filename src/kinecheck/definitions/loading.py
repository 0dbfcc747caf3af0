"""Definition files -> validated, cross-checked, compiled models.

Every problem names the file, line and field, says what is allowed and, for a misspelled id,
what was probably meant. All problems of all files are collected before anything is raised.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

from kinecheck.definitions import cache as defcache
from kinecheck.definitions import yamlsource
from kinecheck.definitions.base import DefinitionRef
from kinecheck.definitions.catalog import DEFINITION_SUFFIXES
from kinecheck.definitions.compiled import Definitions, SourceBytes, symbol_for
from kinecheck.definitions.conditions import Condition, ConditionError, Symbol, compile_condition
from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.guards import check_model, library_outside, safe_resolve
from kinecheck.definitions.questionnaire import (
    NOT_SURE,
    MultiChoice,
    QuestionBase,
    Questionnaire,
    SingleChoice,
    choice_ids,
)
from kinecheck.definitions.rules import RuleSet
from kinecheck.definitions.rules_check import check_rules
from kinecheck.errors import (
    DefinitionError,
    InputError,
    Problem,
    bounded_suggestions,
    did_you_mean,
)

M = TypeVar("M")


# -- questionnaires ----------------------------------------------------------------------------


def check_questionnaire(
    q: Questionnaire, source: yamlsource.Source
) -> tuple[dict[str, Condition], list[Problem]]:
    """Duplicate ids, defaults, choice values, and `when` conditions naming only earlier questions.

    A section's `when` is joined to each of its questions' own by `and`, so everything that
    asks whether a question applies (the quiz, answers files, progress) sees one condition.
    """
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
        section_when = None
        if section.when is not None:
            try:
                section_when = compile_condition(section.when, earlier, all_choices)
            except ConditionError as exc:
                message, hint = exc.message, exc.hint
                if exc.name is not None and exc.name in all_ids:
                    message = (
                        f"'{exc.name}' is asked in or after section '{section.id}', so it has "
                        "no answer yet when this condition is checked"
                    )
                    hint = "a section may only depend on questions asked before it"
                problems.append(source.problem((*sloc, "when"), message, hint))
        for qi, question in enumerate(section.questions):
            loc: tuple[str | int, ...] = (*sloc, "questions", qi)
            if question.id in earlier:
                problems.append(
                    source.problem((*loc, "id"), f"duplicate question id '{question.id}'")
                )
            problems += _choice_problems(question, loc, source)
            own = None
            if question.when is not None:
                try:
                    own = compile_condition(question.when, earlier, all_choices)
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
            joined = both(section_when, own)
            if joined is not None:
                when[question.id] = joined
            earlier[question.id] = symbol_for(question)
    return when, problems


def _choice_problems(
    question: QuestionBase, loc: tuple[str | int, ...], source: yamlsource.Source
) -> list[Problem]:
    """Duplicate choice ids, a default that is not a choice, values on some choices only."""
    problems: list[Problem] = []
    ids = choice_ids(question)
    if isinstance(question, SingleChoice | MultiChoice):
        first: dict[str, int] = {}
        for ci, c in enumerate(ids):
            if c in first:
                problems.append(
                    source.problem(
                        (*loc, "choices", ci, "id"),
                        f"duplicate choice id '{c}' (first given as choice {first[c] + 1})",
                        "each choice of a question needs its own id",
                    )
                )
            first.setdefault(c, ci)
        # a choice that stands alone ('none', 'not sure') may go without a number
        counted = [c for c in question.choices if not c.exclusive and c.id != NOT_SURE]
        valued = [c for c in counted if c.value is not None]
        if valued and len(valued) < len(counted):
            bare = next(
                i for i, c in enumerate(question.choices) if c in counted and c.value is None
            )
            problems.append(
                source.problem(
                    (*loc, "choices", bare),
                    f"choice '{question.choices[bare].id}' has no value, but other choices of "
                    f"'{question.id}' have one",
                    "give every choice a value, or none (exclusive and not_sure choices may "
                    "go without)",
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
    return problems


def both(first: Condition | None, second: Condition | None) -> Condition | None:
    """`first and second` as one condition (either may be missing)."""
    if first is None or second is None:
        return first or second
    a, b = first.evaluate, second.evaluate
    return Condition(
        source=f"({first.source}) and ({second.source})",
        names=tuple(dict.fromkeys((*first.names, *second.names))),
        evaluate=lambda answers: a(answers) and b(answers),
    )


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
    parsed, found = check_model(model, source)
    problems.extend(found)
    return parsed, source


def load_definitions(
    questionnaire_path: Path, rules_path: Path | None = None, *, cache: bool = True
) -> Definitions:
    """Load, check and compile a questionnaire, its rules and exercise library.

    With `cache`, the validated models come from `kinecheck.definitions.cache` when the three
    files are unchanged (no YAML, no pydantic); the checks and compiling run either way, and
    the result is the same. However many ids are misspelt, the "did you mean" look-ups of
    one load stay within `errors.MAX_SUGGESTION_WORK`.
    """
    with bounded_suggestions():
        return _load_definitions(questionnaire_path, rules_path, cache)


def _load_definitions(
    questionnaire_path: Path, rules_path: Path | None, cache: bool
) -> Definitions:
    if cache:
        hit = defcache.load(
            questionnaire_path, rules_path, lambda q: default_rules_path(questionnaire_path, q.id)
        )
        if hit is not None:
            q_file, r_file, l_file = (
                None if f.raw is None else yamlsource.Source(f.path, {}, f.raw) for f in hit.files
            )
            assert q_file is not None  # the cache keeps only entries with both files
            cached, found = _assemble(
                hit.questionnaire, hit.rules, hit.library, q_file, r_file, l_file
            )
            if cached is not None and not found:
                return cached
    problems: list[Problem] = []
    q, q_src = _load(questionnaire_path, Questionnaire, problems)
    qid = q.id if q else questionnaire_path.stem
    chosen_rules = rules_path or default_rules_path(questionnaire_path, qid)
    no_rules = Problem(
        f"no rules for questionnaire '{qid}': {chosen_rules} does not exist",
        file=str(questionnaire_path),
        hint="keep a questionnaire's rules in rules/<id>.yaml beside its questionnaires/ folder",
    )
    rules, r_src = _load(chosen_rules, RuleSet, problems, no_rules)
    library = l_src = None
    if rules is not None and r_src is not None:
        library_path = chosen_rules.parent / rules.library_path
        outside = library_outside(chosen_rules, rules, r_src)
        if outside is not None:
            problems.append(outside)  # and the library is never read
        elif library_optional(rules, library_path):
            pass  # nothing names an exercise, and no library is there or was named
        else:
            no_library = r_src.problem(
                ("exercise_library",),
                f"the exercise library {library_path} does not exist",
                "exercise_library is a path relative to the rules file (default: exercises.yaml)",
            )
            library, l_src = _load(library_path, ExerciseLibrary, problems, no_library)
    defs = None
    if q and q_src:
        defs, found = _assemble(q, rules, library, q_src, r_src, l_src)
        problems.extend(found)
    if problems or defs is None:
        raise DefinitionError(problems)
    if cache:  # every file needed was read, or there would be no definitions
        q_raw, r_raw, l_raw = (src.raw if src else None for src in (q_src, r_src, l_src))
        files = (
            defcache.FileBytes(questionnaire_path, q_raw),
            defcache.FileBytes(chosen_rules, r_raw),
            defcache.FileBytes(chosen_rules.parent / defs.rules.library_path, l_raw),
        )
        validated = defcache.Validated(defs.questionnaire, defs.rules, defs.library, files)
        defcache.store(questionnaire_path, rules_path, validated)
    return defs


def _assemble(
    q: Questionnaire,
    rules: RuleSet | None,
    library: ExerciseLibrary | None,
    q_src: yamlsource.Source,
    r_src: yamlsource.Source | None,
    l_src: yamlsource.Source | None,
) -> tuple[Definitions | None, list[Problem]]:
    """Cross-check and compile validated models; Definitions only when every part is there."""
    when, problems = check_questionnaire(q, q_src)
    if rules is None or r_src is None:
        return None, problems
    compiled, found = check_rules(rules, q, library, r_src)
    problems.extend(found)
    if problems or (rules.names_exercises() and (library is None or l_src is None)):
        return None, problems  # (a library that is needed and missing is a problem already)
    return Definitions(
        questionnaire=q,
        rules=rules,
        library=library,
        questionnaire_ref=_ref(q.id, q.version, q_src),
        rules_ref=_ref(str(rules.id), rules.version, r_src),
        library_ref=None
        if library is None or l_src is None
        else _ref("exercises", library.version, l_src),
        questions=q.question_map(),
        when=when,
        scores=compiled.scores,
        findings=compiled.findings,
        reasons=compiled.reasons,
        status=compiled.status,
        variants=compiled.variants,
        sources=SourceBytes(q_src.raw, r_src.raw, None if l_src is None else l_src.raw),
    ), problems


def library_optional(rules: RuleSet, library_path: Path) -> bool:
    """True when the rules can do without their exercise library, and it is not there.

    A library is needed once a finding or a variant rule names an exercise; a library file
    named in `exercise_library` must exist. The default `exercises.yaml` is read when present.
    """
    return (
        rules.exercise_library is None and not rules.names_exercises() and not library_path.exists()
    )


def default_rules_path(questionnaire_path: Path, questionnaire_id: str) -> Path:
    """By convention `<root>/questionnaires/<id>.yaml` has its rules at `<root>/rules/<id>.yaml`."""
    root = safe_resolve(questionnaire_path).parent.parent
    for name in (questionnaire_id, questionnaire_path.stem):
        for ext in DEFINITION_SUFFIXES:
            candidate = root / "rules" / f"{name}{ext}"
            if candidate.is_file():
                return candidate
    return root / "rules" / f"{questionnaire_id}.yaml"


def definitions_from_sources(sources: SourceBytes, where: str) -> Definitions:
    """Definitions from the bytes of their files (as a clinic database keeps them).

    `where` names them in messages ("session 12"). The same checks as files on disk get;
    DefinitionError if the bytes no longer load (a kinecheck too old for them, say).
    """
    problems: list[Problem] = []
    base = Path(f"<{where}>")
    parts: list[tuple[Any, yamlsource.Source | None]] = []
    for name, model, raw in (
        ("questionnaire.yaml", Questionnaire, sources.questionnaire),
        ("rules.yaml", RuleSet, sources.rules),
        ("exercises.yaml", ExerciseLibrary, sources.library),
    ):
        if raw is None:
            parts.append((None, None))
            continue
        try:
            source = yamlsource.parse(raw, base / name)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            parts.append((None, None))
            continue
        parsed, found = check_model(model, source)
        problems.extend(found)
        parts.append((parsed, source))
    (q, q_src), (rules, r_src), (library, l_src) = parts
    defs = None
    if q is not None and q_src is not None:
        defs, found = _assemble(q, rules, library, q_src, r_src, l_src)
        problems.extend(found)
    if problems or defs is None:
        raise DefinitionError(problems or [Problem(f"the definitions of {where} do not load")])
    return defs

"""Example cases: answers together with the outcome they must give, run through the engine.

A case file (`rules/cases/*.yaml`, format in rules/cases/README.md) names a questionnaire and
lists cases: a name, a one-line why, a whole answers file and what it must give. `kinecheck
check` and the test suite both run them here, so there is one runner. Every case is run as
`kinecheck assess` would run its answers (checked, then assessed), and every way the report
differs from the expectation is a `Difference` naming the file and line of the expected value;
a case that is itself wrong (a missing key, an invalid answer, an answer to a question that
does not apply) is a `Problem` at its own line. The expectations' shape and the comparison
are in `kinecheck.scoring.case_expect`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck.definitions import catalog, yamlsource
from kinecheck.errors import AnswersError, DefinitionError, InputError, Problem

if TYPE_CHECKING:
    from kinecheck.definitions.compiled import Definitions

CASES_FOLDER = catalog.CASES_FOLDER  # case files live in a folder of this name, beside the rules
FILE_KEYS = ("questionnaire", "cases")
CASE_KEYS = ("name", "why", "answers", "expect")
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Case:
    """One case of a case file, with the means to name the line of any part of it."""

    name: str
    why: str
    answers: Any  # checked when the case is run: a case with invalid answers fails
    expect: Any
    keys: tuple[str, ...]
    index: int  # its place in the file's `cases` list
    source: yamlsource.Source = field(repr=False, compare=False)

    @property
    def file(self) -> str:
        """The case file, as the user named it."""
        return self.source.name

    def line(self, *loc: str | int) -> int | None:
        """The line of a part of this case (`"expect", "plan"`), or of the case itself."""
        return self.source.line_of(("cases", self.index, *loc))

    def where(self, *loc: str | int) -> str:
        """`file:line` of a part of this case."""
        line = self.line(*loc)
        return f"{self.file}:{line}" if line else self.file

    def problem(self, loc: Loc, message: str, hint: str | None = None) -> Problem:
        """A problem with this case, at the line of `loc`."""
        return self.source.problem(("cases", self.index, *loc), message, hint)


@dataclass(frozen=True)
class CaseFile:
    """A case file read: its questionnaire, its cases, and what is wrong with the file itself."""

    path: Path
    questionnaire: str | None
    cases: list[Case]
    problems: list[Problem]


@dataclass(frozen=True)
class Difference:
    """One expected value the report does not give."""

    what: str  # "finding hip_immobility", "referral level", "plan"
    expected: str
    actual: str
    where: str  # file:line of the expected value
    note: str | None = None  # what is missing, or unexpected, in a list

    def lines(self) -> list[str]:
        """The difference as a short diff: where and what, then expected and actual."""
        out = [f"{self.where}: {self.what}", f"  expected: {self.expected}"]
        out.append(f"  actual:   {self.actual}")
        if self.note:
            out.append(f"  ({self.note})")
        return out


@dataclass(frozen=True)
class CaseResult:
    """A case run: passed when it is well formed and nothing differs."""

    case: Case
    differences: list[Difference]
    problems: list[Problem]

    @property
    def passed(self) -> bool:
        """True when the report gave exactly the expected outcome."""
        return not self.differences and not self.problems


@dataclass(frozen=True)
class FileResult:
    """Every case of one file; `problems` when the file could not be run at all."""

    path: Path
    results: list[CaseResult]
    problems: list[Problem] = field(default_factory=list)
    not_run: int = 0  # cases of a file that could not be run

    @property
    def failed(self) -> int:
        """Cases that failed; a file that could not be run counts as at least one."""
        if self.problems:
            return max(self.not_run, 1)
        return sum(not r.passed for r in self.results)


@dataclass(frozen=True)
class CheckRun:
    """Every case file checked."""

    files: list[FileResult]

    @property
    def passed(self) -> int:
        """Cases that gave exactly their expected outcome."""
        return sum(r.passed for f in self.files for r in f.results)

    @property
    def failed(self) -> int:
        """Cases that did not (and files that could not be run)."""
        return sum(f.failed for f in self.files)


# -- finding case files ------------------------------------------------------------------------


def default_folders() -> list[Path]:
    """`rules/cases/` of every KINECHECK_PATH folder, then of the bundled definitions.

    Each is named relative to the current folder when it is inside it, as a person would.
    """
    found: dict[Path, Path] = {}
    try:
        here: Path | None = Path.cwd()
    except OSError:  # the current folder was deleted
        here = None
    for root in catalog.search_roots():
        folder = root / "rules" / CASES_FOLDER
        if folder.is_dir():
            resolved = folder.resolve()
            inside = here is not None and resolved.is_relative_to(here)
            shown = resolved.relative_to(here) if here is not None and inside else folder
            found.setdefault(resolved, shown)
    return list(found.values())


def case_files(paths: Iterable[Path]) -> list[Path]:
    """The case files named, and those in `cases/` folders in or under the folders named.

    InputError for a path that does not exist, and for a folder that holds no case file.
    """
    out: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise InputError(f"{path}: no such file or folder")
        if not path.is_dir():
            out.append(path)
            continue
        inside = path.resolve().name == CASES_FOLDER
        found = sorted(
            p
            for p in path.rglob("*")
            if p.suffix in catalog.DEFINITION_SUFFIXES
            and p.is_file()
            and (inside or CASES_FOLDER in p.relative_to(path).parts[:-1])
        )
        if not found:
            raise InputError(
                f"{path}: no case files (YAML files in a '{CASES_FOLDER}' folder, such as "
                f"rules/{CASES_FOLDER}/)"
            )
        out.extend(found)
    return list(dict.fromkeys(out))


# -- reading -----------------------------------------------------------------------------------


def read_case_file(path: Path) -> CaseFile:
    """Read a case file; what is wrong with its top level is a problem, never an exception."""
    try:
        source = yamlsource.load(path)
    except DefinitionError as exc:
        return CaseFile(path, None, [], exc.problems)
    except InputError as exc:
        return CaseFile(path, None, [], [Problem(str(exc))])
    data = source.data
    if not isinstance(data, dict):
        problem = source.problem((), "a case file is a mapping with 'questionnaire' and 'cases'")
        return CaseFile(path, None, [], [problem])
    problems = [
        source.problem((key,), f"unknown key '{key}'", f"a case file has {', '.join(FILE_KEYS)}")
        for key in data
        if key not in FILE_KEYS
    ]
    questionnaire = data.get("questionnaire")
    if not isinstance(questionnaire, str) or not questionnaire.strip():
        problems.append(
            source.problem(
                ("questionnaire",),
                "'questionnaire' must name the questionnaire the answers belong to",
                "write its id (see kinecheck list), or its path from this file",
            )
        )
        questionnaire = None
    entries = data.get("cases")
    if not isinstance(entries, list) or not entries:
        problems.append(source.problem(("cases",), "'cases' must be a list of cases"))
        entries = []
    cases = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(source.problem(("cases", index), "a case is a mapping"))
            continue
        cases.append(
            Case(
                name=str(entry.get("name", f"case {index + 1}")),
                why=str(entry.get("why", "")),
                answers=entry.get("answers"),
                expect=entry.get("expect"),
                keys=tuple(str(k) for k in entry),
                index=index,
                source=source,
            )
        )
    return CaseFile(path, questionnaire, cases, problems)


def questionnaire_path(case_file: Path, name: str) -> Path:
    """The questionnaire a case file names: beside its rules folder first, then as `load` finds it.

    A case file in `<root>/rules/cases/` tests `<root>/questionnaires/<id>.yaml` and the rules
    beside it, whatever KINECHECK_PATH says; a path is relative to the case file.
    """
    if catalog.looks_like_path(name):
        path = Path(name) if Path(name).is_absolute() else case_file.parent / name
        if not path.is_file():
            raise InputError(f"{case_file}: questionnaire {name}: no such file")
        return path
    for folder in case_file.resolve().parents:
        if folder.name == "rules":
            for suffix in catalog.DEFINITION_SUFFIXES:
                candidate = folder.parent / "questionnaires" / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
            break
    return catalog.resolve(name)


# -- running -----------------------------------------------------------------------------------


def check_case(case: Case, defs: Definitions) -> CaseResult:
    """Run one case as `assess` runs an answers file and compare the report with `expect`."""
    from kinecheck.api import assess, check_answers
    from kinecheck.scoring import case_expect

    problems = case_expect.shape_problems(case, defs)
    if problems:
        return CaseResult(case, [], problems)
    if not isinstance(case.answers, dict):
        return CaseResult(case, [], [case.problem(("answers",), "'answers' must be a mapping")])
    try:
        checked = check_answers(defs, case.answers)
    except AnswersError as exc:
        return CaseResult(
            case,
            [],
            [
                case.problem(
                    ("answers", p.question),
                    "invalid answer: " + str(p).removeprefix(p.question + ": "),
                )
                for p in exc.problems
            ],
        )
    ignored = [  # every id is a question (or check_answers raised): these were dropped
        case.problem(
            ("answers", qid),
            f"'{qid}' is answered, but the question does not apply to these answers",
            "a case's answers are a whole, valid answers file: remove the answer",
        )
        for qid in case.answers
        if qid not in checked.answers
    ]
    if ignored:
        return CaseResult(case, [], ignored)
    report = assess(defs, checked.answers)
    return CaseResult(case, case_expect.differences(case, report), [])


def check_files(paths: Iterable[Path]) -> CheckRun:
    """Run every case of every file; a case name used twice fails its second case."""
    loaded: dict[Path, Definitions] = {}
    seen: dict[str, str] = {}
    files = []
    for path in paths:
        case_file = read_case_file(path)
        count = len(case_file.cases)
        if case_file.questionnaire is None or case_file.problems:
            files.append(FileResult(path, [], case_file.problems, count))
            continue
        try:
            defs = _definitions(path, case_file.questionnaire, loaded)
        except (DefinitionError, InputError) as exc:
            problems = exc.problems if isinstance(exc, DefinitionError) else [Problem(str(exc))]
            files.append(FileResult(path, [], problems, count))
            continue
        results = []
        for case in case_file.cases:
            result = check_case(case, defs)
            if case.name in seen:
                again = case.problem(
                    ("name",), f"case name '{case.name}' is used twice (first at {seen[case.name]})"
                )
                result = CaseResult(case, result.differences, [*result.problems, again])
            seen.setdefault(case.name, case.where("name"))
            results.append(result)
        files.append(FileResult(path, results))
    return CheckRun(files)


def _definitions(path: Path, name: str, loaded: dict[Path, Definitions]) -> Definitions:
    """The definitions a case file names, loaded once per run."""
    from kinecheck.definitions.loading import load_definitions

    q_path = questionnaire_path(path, name)
    key = q_path.resolve()
    if key not in loaded:
        loaded[key] = load_definitions(q_path)
    return loaded[key]


def check(paths: Iterable[Path] | None = None) -> CheckRun:
    """`kinecheck check`: the cases in `paths`, or in every `rules/cases/` kinecheck can find."""
    chosen = list(paths) if paths else default_folders()
    return check_files(case_files(chosen) if chosen else [])

"""Every example case in rules/cases/ gives exactly the outcome worked out from domain.md.

The cases are run by `kinecheck.scoring.cases`, the runner behind `kinecheck check`, so the
suite and the command can never disagree about what a case means.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kinecheck.definitions.loading import load_definitions
from kinecheck.scoring.cases import (
    Case,
    CaseResult,
    case_files,
    check_case,
    check_files,
    questionnaire_path,
    read_case_file,
)

CASES_DIR = Path(__file__).resolve().parent.parent / "rules" / "cases"
FILES = [read_case_file(path) for path in case_files([CASES_DIR])]
CASES = [case for file in FILES for case in file.cases]
DEFS = load_definitions(questionnaire_path(FILES[0].path, "knee-pain"))  # as `check` finds it


def explain(result: CaseResult) -> str:
    """A failing case in the words `kinecheck check` uses."""
    case = result.case
    lines = [f"case '{case.name}' ({case.where()}): {case.why}"]
    lines += [f"  {p}" for p in result.problems]
    lines += [f"  {line}" for d in result.differences for line in d.lines()]
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_outcome_matches_domain(case: Case) -> None:
    result = check_case(case, DEFS)
    assert result.passed, explain(result)


def test_case_files_are_well_formed() -> None:
    """Every file reads, names knee-pain, and no case name is used twice (check_files)."""
    problems = [str(p) for file in FILES for p in file.problems]
    assert not problems, "\n".join(problems)
    assert {file.questionnaire for file in FILES} == {"knee-pain"}
    run = check_files(file.path for file in FILES)
    assert run.failed == 0, "\n".join(
        explain(r) for f in run.files for r in f.results if not r.passed
    )
    assert run.passed == len(CASES) >= 30, f"only {len(CASES)} cases in {CASES_DIR}"


def test_cases_cover_every_reason_level_status_and_variant() -> None:
    expects = [c.expect for c in CASES]
    expected_reasons = {r for e in expects for r in e["referral"]["reasons"]}
    expected_levels = {e["referral"]["level"] for e in expects}
    expected_statuses = {e["plan_status"] for e in expects}
    expected_variants = {p for e in expects for p in e["plan"]}
    expected_findings = {
        (fid, "none" if v == "none" else v["level"])
        for e in expects
        for fid, v in e["findings"].items()
    }
    gaps = []
    rules = DEFS.rules
    assert rules.referral is not None and DEFS.library is not None
    gaps += [f"reason {r.id}" for r in rules.referral.reasons if r.id not in expected_reasons]
    gaps += [f"referral level {lvl}" for lvl in rules.referral.levels if lvl not in expected_levels]
    gaps += [
        f"plan status {s}"
        for s in ("ready", "after_clearance", "withheld")
        if s not in expected_statuses
    ]
    gaps += [
        f"variant {e.id}:{v.id}"
        for e in DEFS.library.exercises
        for v in e.variants
        if f"{e.id}:{v.id}" not in expected_variants
    ]
    gaps += [
        f"finding {f.id} at {level}"
        for f in rules.findings
        for level in ("none", "possible", "likely")
        if (f.id, level) not in expected_findings
    ]
    assert not gaps, "no case covers: " + ", ".join(gaps)

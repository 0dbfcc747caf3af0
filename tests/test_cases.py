"""Every example case in rules/cases/ gives exactly the outcome worked out from domain.md."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinecheck.api import Definitions, Report, assess, check_answers, load

CASES_DIR = Path(__file__).resolve().parent.parent / "rules" / "cases"
CASE_KEYS = {"name", "why", "answers", "expect"}
EXPECT_KEYS = {"findings", "referral", "plan_status", "plan", "missing_equipment"}
REQUIRED_EXPECT_KEYS = EXPECT_KEYS - {"missing_equipment"}


@dataclass(frozen=True)
class Case:
    file: str
    questionnaire: str
    name: str
    why: str
    answers: dict[str, Any]
    expect: dict[str, Any]
    keys: frozenset[str]

    def __str__(self) -> str:
        return f"case '{self.name}' ({self.file}): {self.why}"

    def __repr__(self) -> str:
        return f"<case {self.name} in {self.file}>"


def _read_cases() -> Iterator[Case]:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["cases"]:
            yield Case(
                file=path.name,
                questionnaire=data["questionnaire"],
                name=entry.get("name", "?"),
                why=entry.get("why", ""),
                answers=entry.get("answers", {}),
                expect=entry.get("expect", {}),
                keys=frozenset(entry),
            )


CASES = list(_read_cases())


@functools.cache
def definitions(questionnaire: str) -> Definitions:
    return load(questionnaire)


def run(case: Case) -> Report:
    defs = definitions(case.questionnaire)
    checked = check_answers(defs, case.answers)
    assert not checked.warnings, (
        f"{case}\nanswers to questions that do not apply: {checked.warnings}"
    )
    return assess(defs, checked.answers)


# -- comparing a report with a case's expectations ---------------------------------------------


def _set_difference(label: str, expected: set[str], actual: set[str]) -> list[str]:
    if expected == actual:
        return []
    return [
        f"{label}: expected {sorted(expected)}, got {sorted(actual)} "
        f"(missing {sorted(expected - actual)}, unexpected {sorted(actual - expected)})"
    ]


def finding_differences(expect: dict[str, Any], report: Report) -> list[str]:
    fired = {f.id: f for f in report.findings}
    out = []
    for finding_id, wanted in expect.items():
        got = fired.get(finding_id)
        if wanted == "none":
            if got is not None:
                out.append(
                    f"finding {finding_id}: expected none, got {got.level} with {got.score} points"
                )
        elif got is None:
            out.append(f"finding {finding_id}: expected {wanted}, but it did not fire")
        elif (got.level, got.score) != (wanted["level"], wanted["score"]):
            out.append(
                f"finding {finding_id}: expected {wanted['level']} with {wanted['score']} points, "
                f"got {got.level} with {got.score} points"
                + (f" (capped: {got.capped})" if got.capped else "")
            )
    unlisted = set(fired) - set(expect)
    out += [f"finding {f}: fired but the case does not list it" for f in sorted(unlisted)]
    return out


def differences(case: Case, report: Report) -> list[str]:
    """Every way the report differs from the case's expectations, in words."""
    expect = case.expect
    out = finding_differences(expect["findings"], report)
    wanted_referral = expect["referral"]
    if report.referral.level != wanted_referral["level"]:
        out.append(
            f"referral level: expected {wanted_referral['level']}, got {report.referral.level}"
        )
    out += _set_difference(
        "referral reasons",
        set(wanted_referral["reasons"]),
        {r.id for r in report.referral.reasons},
    )
    if report.plan_status != expect["plan_status"]:
        out.append(f"plan_status: expected {expect['plan_status']}, got {report.plan_status}")
    plan = [f"{item.exercise}:{item.variant}" for item in report.plan]
    if plan != expect["plan"]:
        out.append(f"plan: expected {expect['plan']}, got {plan}")
    if "missing_equipment" in expect:
        wanted = {ex: sorted(m) for ex, m in expect["missing_equipment"].items() if m}
        got = {i.exercise: sorted(i.missing_equipment) for i in report.plan if i.missing_equipment}
        if got != wanted:
            out.append(f"missing_equipment: expected {wanted}, got {got}")
    return out


# -- the cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_outcome_matches_domain(case: Case) -> None:
    report = run(case)
    problems = differences(case, report)
    assert not problems, f"{case}\n  - " + "\n  - ".join(problems)


# -- the case files themselves -----------------------------------------------------------------


def test_case_files_are_well_formed() -> None:
    problems = []
    names = [c.name for c in CASES]
    problems += [
        f"duplicate case name '{n}'" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    for case in CASES:
        defs = definitions(case.questionnaire)
        finding_ids = {f.id for f in defs.rules.findings}
        if case.keys != CASE_KEYS:
            problems.append(f"{case.name}: a case has exactly the keys {sorted(CASE_KEYS)}")
        if not case.why.strip():
            problems.append(f"{case.name}: needs a one-line 'why'")
        if not REQUIRED_EXPECT_KEYS <= set(case.expect) <= EXPECT_KEYS:
            problems.append(f"{case.name}: expect keys must be {sorted(EXPECT_KEYS)}")
            continue
        if set(case.expect["findings"]) != finding_ids:
            problems.append(f"{case.name}: findings must list exactly {sorted(finding_ids)}")
        problems += [
            f"{case.name}: unknown exercise in plan: {p}"
            for p in case.expect["plan"]
            if p.split(":")[0] not in defs.library.by_id()
        ]
    assert len(CASES) >= 30, f"only {len(CASES)} cases in {CASES_DIR}"
    assert not problems, "\n".join(problems)


def test_cases_cover_every_reason_level_status_and_variant() -> None:
    defs = definitions("knee-pain")
    expected_reasons = {r for c in CASES for r in c.expect["referral"]["reasons"]}
    expected_levels = {c.expect["referral"]["level"] for c in CASES}
    expected_statuses = {c.expect["plan_status"] for c in CASES}
    expected_variants = {p for c in CASES for p in c.expect["plan"]}
    expected_findings = {
        (fid, "none" if v == "none" else v["level"])
        for c in CASES
        for fid, v in c.expect["findings"].items()
    }
    gaps = []
    rules = defs.rules
    gaps += [f"reason {r.id}" for r in rules.referral.reasons if r.id not in expected_reasons]
    gaps += [f"referral level {lvl}" for lvl in rules.referral.levels if lvl not in expected_levels]
    gaps += [
        f"plan status {s}"
        for s in ("ready", "after_clearance", "withheld")
        if s not in expected_statuses
    ]
    gaps += [
        f"variant {e.id}:{v.id}"
        for e in defs.library.exercises
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

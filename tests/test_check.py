"""`kinecheck check`: the example cases beside the rules pass, and a wrong one says where and how.

End to end through the real command (a subprocess, as a shell runs it) for what a rules author
sees, in-process for the many ways a case can be wrong.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from kinecheck.scoring.cases import case_files, check_files, read_case_file
from test_cli import ROOT, cli, run

BUNDLED_CASES = ROOT / "rules" / "cases"
CLINIC = ROOT / "examples" / "clinic"
ROW = "hip_immobility: {level: possible, score: 2}"


def bundled_count() -> int:
    return sum(len(read_case_file(p).cases) for p in case_files([BUNDLED_CASES]))


def copy_case_file(tmp_path: Path, name: str = "hip.yaml") -> Path:
    """A copy of a bundled case file in a clinic-like folder of its own."""
    folder = tmp_path / "rules" / "cases"
    folder.mkdir(parents=True)
    return Path(shutil.copy(BUNDLED_CASES / name, folder / name))


def first_case(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text())
    return dict(data["cases"][0])


def write_cases(
    path: Path, cases: list[dict[str, object]], questionnaire: str = "knee-pain"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump({"questionnaire": questionnaire, "cases": cases}, sort_keys=False)
    )
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- the shipped cases -------------------------------------------------------------------------


def test_check_passes_on_the_bundled_cases() -> None:
    result = run("check")
    assert result.code == 0, result
    count = bundled_count()
    assert count >= 30
    assert result.stdout.splitlines()[-1] == f"{count} cases passed"
    for path in sorted(BUNDLED_CASES.glob("*.yaml")):
        assert f"ok   rules/cases/{path.name}: " in result.stdout
    assert result.stderr == ""


def test_check_runs_a_named_folder_and_a_named_file() -> None:
    result = cli("check", str(ROOT / "rules"), str(BUNDLED_CASES / "cap.yaml"))
    assert result.code == 0, result
    assert result.stdout.splitlines()[-1] == f"{bundled_count()} cases passed"


# -- a wrong expectation -----------------------------------------------------------------------


def test_a_changed_expected_value_fails_naming_the_file_line_and_both_values(
    tmp_path: Path,
) -> None:
    path = copy_case_file(tmp_path)
    line = line_of(path, ROW)
    text = path.read_text()
    path.write_text(text.replace(ROW, "hip_immobility: {level: likely, score: 3}", 1))
    result = run("check", str(tmp_path))
    assert result.code == 1, result
    err = result.stderr
    assert f"FAIL {path}" in err
    assert f"{path}:{line}: finding hip_immobility\n" in err
    assert "expected: likely, 3 points\n" in err
    assert "actual:   possible, 2 points\n" in err
    cases = len(read_case_file(path).cases)
    assert err.splitlines()[-1] == f"{cases - 1} cases passed, 1 failed"
    # the case is named with its own line and its why, so it can be found and understood
    assert re.search(rf"case hip_\w+ \({re.escape(str(path))}:\d+\): \S", err)


def test_every_part_of_the_outcome_is_compared_at_its_own_line(tmp_path: Path) -> None:
    source = BUNDLED_CASES / "plan.yaml"
    case = first_case(source)
    expect = dict(case["expect"])  # type: ignore[call-overload]
    expect["referral"] = {"level": "urgent", "reasons": ["red_flag_locking"]}
    expect["plan_status"] = "withheld"
    expect["plan"] = list(reversed(expect["plan"]))
    expect["missing_equipment"] = {"tfl_ball_rolling": ["bench"]}
    path = write_cases(tmp_path / "cases" / "plan.yaml", [{**case, "expect": expect}])
    run_ = check_files([path])
    [result] = run_.files[0].results
    assert not result.problems
    found = {d.what: d for d in result.differences}
    assert set(found) == {
        "referral level",
        "referral reasons",
        "plan status",
        "plan (in order)",
        "missing equipment",
    }
    assert found["referral level"].expected == "urgent"
    assert found["referral reasons"].note == "did not hold: red_flag_locking"
    assert found["plan status"].actual == "ready"
    for difference in found.values():
        assert re.fullmatch(rf"{re.escape(str(path))}:\d+", difference.where)
    assert found["plan status"].where == f"{path}:{line_of(path, 'plan_status:')}"


def test_a_finding_lowered_by_a_cap_says_so(tmp_path: Path) -> None:
    path = copy_case_file(tmp_path, "cap.yaml")
    capped = "ankle_immobility: {level: possible, score: 4}"
    path.write_text(
        path.read_text().replace(capped, "ankle_immobility: {level: likely, score: 4}", 1)
    )
    [result] = [r for r in check_files([path]).files[0].results if not r.passed]
    [difference] = result.differences
    assert difference.lines() == [
        f"{path}:{line_of(path, 'ankle_immobility: {level: likely')}: finding ankle_immobility",
        "  expected: likely, 4 points",
        "  actual:   possible, 4 points",
        "  (a cap lowered it to possible)",
    ]


# -- a wrong case ------------------------------------------------------------------------------


def test_an_answer_to_a_question_that_does_not_apply_fails_the_case_at_its_line(
    tmp_path: Path,
) -> None:
    case = first_case(BUNDLED_CASES / "hip.yaml")
    case["answers"] = {**case["answers"], "chest_symptoms": "no"}  # type: ignore[dict-item]
    path = write_cases(tmp_path / "cases" / "wrong.yaml", [case])
    result = cli("check", str(path))
    assert result.code == 1, result
    line = line_of(path, "chest_symptoms:")
    assert f"{path}:{line}: " in result.stderr
    assert "'chest_symptoms' is answered, but the question does not apply" in result.stderr


def test_an_invalid_answer_and_unknown_ids_are_problems_with_hints(tmp_path: Path) -> None:
    case = first_case(BUNDLED_CASES / "hip.yaml")
    bad_answers = {**case, "answers": {**case["answers"], "age": 300}}  # type: ignore[dict-item]
    expect = dict(case["expect"])  # type: ignore[call-overload]
    expect["findings"] = {"hip_imobility": "none", "ankle_immobility": "none"}
    bad_expect = {**case, "name": "other", "expect": expect}
    path = write_cases(tmp_path / "cases" / "wrong.yaml", [bad_answers, bad_expect])
    result = cli("check", str(path))
    assert result.code == 1, result
    err = result.stderr
    assert (
        f"{path}:{line_of(path, 'age: 300')}: cases[0].answers.age: invalid answer: out of" in err
    )
    assert f"{path}:{line_of(path, 'hip_imobility')}: " in err
    assert "did you mean 'hip_immobility'?" in err
    assert "findings must name every finding of the rules; missing: hip_immobility" in err
    assert err.splitlines()[-1] == "0 cases passed, 2 failed"


def test_a_case_missing_a_part_or_a_key_and_a_name_used_twice(tmp_path: Path) -> None:
    case = first_case(BUNDLED_CASES / "hip.yaml")
    expect = dict(case["expect"])  # type: ignore[call-overload]
    del expect["plan"]
    no_plan = {**case, "expect": expect}
    no_why = {k: v for k, v in case.items() if k != "why"}
    path = write_cases(tmp_path / "cases" / "wrong.yaml", [no_plan, no_why, case])
    run_ = check_files([path])
    problems = [str(p) for r in run_.files[0].results for p in r.problems]
    assert any("expect has no 'plan'" in p for p in problems), problems
    assert any("has no 'why'" in p for p in problems), problems
    assert any("is used twice (first at" in p for p in problems), problems
    assert run_.failed == 3


def test_a_case_file_that_cannot_be_read_or_names_no_known_questionnaire(tmp_path: Path) -> None:
    broken = tmp_path / "cases" / "broken.yaml"
    broken.parent.mkdir()
    broken.write_text("questionnaire: knee-pain\ncases:\n  - name: x\n   why: bad indent\n")
    unknown = write_cases(tmp_path / "cases" / "unknown.yaml", [{"name": "x"}], "knee-pian")
    result = cli("check", str(tmp_path / "cases"))
    assert result.code == 1, result
    assert f"FAIL {broken}" in result.stderr
    assert f"{broken}:4: invalid YAML" in result.stderr
    assert f"FAIL {unknown}" in result.stderr
    assert "unknown questionnaire 'knee-pian'; did you mean 'knee-pain'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_questionnaire_named_by_a_path_is_found_from_the_case_file(tmp_path: Path) -> None:
    defs = tmp_path / "defs"
    shutil.copytree(ROOT / "questionnaires", defs / "questionnaires")
    shutil.copytree(ROOT / "rules", defs / "rules")
    case = first_case(BUNDLED_CASES / "hip.yaml")
    folder = tmp_path / "elsewhere" / "cases"
    relative = write_cases(
        folder / "relative.yaml", [case], "../../defs/questionnaires/knee-pain.yaml"
    )
    assert check_files([relative]).passed == 1
    missing = write_cases(folder / "missing.yaml", [case], "../nope.yaml")
    [file] = check_files([missing]).files
    assert [str(p) for p in file.problems] == [
        f"{missing}: questionnaire ../nope.yaml: no such file"
    ]


def test_check_refuses_a_missing_path_and_a_folder_without_cases(tmp_path: Path) -> None:
    missing = cli("check", str(tmp_path / "nope"))
    assert missing.code == 2
    assert missing.stderr == f"error: {tmp_path / 'nope'}: no such file or folder\n"
    empty = cli("check", str(tmp_path))
    assert empty.code == 2
    assert "no case files" in empty.stderr


# -- a clinic's own cases ----------------------------------------------------------------------


def lefs_case(value: object) -> dict[str, object]:
    answers = {f"lefs_{i:02d}": "moderate" for i in range(1, 17)}  # 16 of 20: prorated
    return {
        "name": "lefs_sixteen_moderate",
        "why": "16 items at 2 make 32, prorated to 40 of 80.",
        "answers": answers,
        "expect": {"scores": {"lefs": value}},
    }


def test_a_clinics_cases_on_kinecheck_path_are_found_and_scores_compared(
    tmp_path: Path,
) -> None:
    clinic = Path(shutil.copytree(CLINIC, tmp_path / "clinic"))
    path = write_cases(
        clinic / "rules" / "cases" / "lefs.yaml",
        [lefs_case({"value": 40, "band": "moderate difficulty"})],
        "lefs",
    )
    passing = run("check", env={"KINECHECK_PATH": str(clinic)})
    assert passing.code == 0, passing
    assert f"ok   {path}: 1 case\n" in passing.stdout
    assert passing.stdout.splitlines()[-1] == f"{bundled_count() + 1} cases passed"

    write_cases(path, [lefs_case(41)], "lefs")
    failing = run("check", env={"KINECHECK_PATH": str(clinic)})
    assert failing.code == 1, failing
    assert f"{path}:{line_of(path, 'lefs: 41')}: score lefs\n" in failing.stderr
    assert "expected: 41\n" in failing.stderr
    assert "actual:   40\n" in failing.stderr


def test_check_help_teaches_with_an_example() -> None:
    result = cli("check", "--help")
    assert result.code == 0
    assert "Example: kinecheck check" in result.stdout
    assert "KINECHECK_PATH" in result.stdout

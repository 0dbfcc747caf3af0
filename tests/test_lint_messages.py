"""Messages a clinic trying `validate` found wanting (issue #12, item 4), as they read now."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kinecheck.errors import closest, did_you_mean
from test_cli import ROOT, cli, run

CLINIC = ROOT / "examples" / "clinic"
PARQ_ANY_YES = "parq_1 == 'yes' or parq_2 == 'yes' or parq_3 == 'yes' or parq_4 == 'yes' or"


@pytest.fixture(autouse=True)
def _in_the_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def clinic_copy(tmp_path: Path) -> Path:
    shutil.copytree(CLINIC, tmp_path / "clinic")
    return tmp_path / "clinic"


def edit(path: Path, old: str, new: str) -> int:
    """Replace text in a file; the line it is on."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


# -- rules whose questionnaire does not load are not "ok" ------------------------------------


def test_rules_are_not_ok_when_their_questionnaire_does_not_load(tmp_path: Path) -> None:
    clinic = clinic_copy(tmp_path)
    questionnaire = clinic / "questionnaires" / "parq-plus.yaml"
    rules = clinic / "rules" / "parq-plus.yaml"
    edit(questionnaire, "{id: parq_1, type: yes_no,", "{id: parq_1, type: yes_nope,")
    result = cli("validate", str(questionnaire), str(rules))
    assert result.code == 1
    assert f"ok   {rules}" not in result.stdout
    lines = result.stderr.splitlines()
    assert lines[lines.index(f"FAIL {rules}") + 1] == (
        f"  {rules}:5: questionnaire: not checked against questionnaire {questionnaire.resolve()}, "
        "which does not load (its problems are listed with it): the conditions and ids of these "
        "rules were not checked (fix the questionnaire, then validate again)"
    )
    assert lines[-1] == "2 of 2 files failed"


# -- did you mean ----------------------------------------------------------------------------


def test_a_letter_l_for_a_one_suggests_the_one() -> None:
    parq = [f"parq_{n}" for n in range(1, 8)]
    assert closest("parq_l", parq) == "parq_1"
    assert closest("parq_I", list(reversed(parq))) == "parq_1"
    assert closest("koos_pO", ["koos_p0", "koos_p9", "koos_p8"]) == "koos_p0"
    # no look-alike: the likeliest as before, and nothing when nothing is close
    assert closest("desk_hour", ["desk_hours", "shoulder_pain"]) == "desk_hours"
    assert did_you_mean("elbow", ["parq_1", "age"]) is None


def test_validate_suggests_parq_1_for_parq_l(tmp_path: Path) -> None:
    rules = clinic_copy(tmp_path) / "rules" / "parq-plus.yaml"
    line = edit(rules, PARQ_ANY_YES, PARQ_ANY_YES.replace("parq_1 ==", "parq_l =="))
    result = cli("validate", str(rules))
    assert result.code == 1
    assert (
        f"  {rules}:{line - 1}: referral.reasons[any_yes].when: unknown name 'parq_l' "
        "(did you mean 'parq_1'?)"
    ) in result.stderr.splitlines()


# -- a choice id written without quotes ------------------------------------------------------


def test_an_unquoted_choice_id_is_shown_quoted(tmp_path: Path) -> None:
    rules = clinic_copy(tmp_path) / "rules" / "parq-plus.yaml"
    line = edit(rules, PARQ_ANY_YES, PARQ_ANY_YES.replace("parq_4 == 'yes'", "parq_4 == yes"))
    result = cli("validate", str(rules))
    assert result.code == 1
    assert (
        f"  {rules}:{line - 1}: referral.reasons[any_yes].when: unknown name 'yes' ('yes' is a "
        "choice id: quote it, as in parq_4 == 'yes')"
    ) in result.stderr.splitlines()


# -- where a finding's level and the referral level may be named ------------------------------


def knee_pain_copy(tmp_path: Path) -> Path:
    for kind, names in (
        ("questionnaires", ["knee-pain.yaml"]),
        ("rules", ["knee-pain.yaml", "exercises.yaml"]),
    ):
        (tmp_path / kind).mkdir()
        for name in names:
            shutil.copy(ROOT / kind / name, tmp_path / kind / name)
    return tmp_path / "rules" / "knee-pain.yaml"


def test_a_finding_in_a_point_row_says_where_findings_may_be_named(tmp_path: Path) -> None:
    rules = knee_pain_copy(tmp_path)
    line = edit(rules, "\"ankle_gives_way == 'yes'\"", "\"hip_immobility == 'likely'\"")
    result = cli("validate", str(rules))
    assert result.code == 1
    assert (
        f"  {rules}:{line}: findings[ankle_immobility].points[4].when: 'hip_immobility' is a "
        "finding: its level ('none', 'possible' or 'likely') may be named only in referral "
        "reasons (referral.reasons) and plan status rules (plan.status), which are decided after "
        "the findings (in a point row, cap, note or variant name the questions or scores instead)"
    ) in result.stderr.splitlines()


def test_the_referral_level_in_a_reason_says_where_it_may_be_named(tmp_path: Path) -> None:
    rules = knee_pain_copy(tmp_path)
    line = edit(rules, 'when: "age < 18"', "when: \"referral_level == 'none'\"")
    result = cli("validate", str(rules))
    assert result.code == 1
    assert (
        f"  {rules}:{line}: referral.reasons[under_18].when: 'referral_level' may be named only "
        "in plan status rules (plan.status), which are decided after the referral (name the "
        "findings, questions or scores it is decided on instead)"
    ) in result.stderr.splitlines()


# -- folders holding example cases and answers files -----------------------------------------


def test_a_folder_s_cases_and_answers_files_are_skipped_and_said_to_be(tmp_path: Path) -> None:
    clinic = clinic_copy(tmp_path)
    cases = clinic / "rules" / "cases"
    cases.mkdir()
    shutil.copy(ROOT / "rules" / "cases" / "hip.yaml", cases / "hip.yaml")
    shutil.copy(ROOT / "rules" / "cases" / "cap.yaml", cases / "cap.yaml")
    answers = clinic / "answers" / "desk-worker.yaml"
    answers.parent.mkdir()
    shutil.copy(ROOT / "examples" / "desk-worker.yaml", answers)
    result = run("validate", str(clinic))
    assert result.code == 0, result
    assert result.stdout.splitlines()[-1] == "all 6 files valid"
    assert result.stderr.splitlines() == [
        f"skip {answers}: an answers file, not a definition (`kinecheck assess QUESTIONNAIRE "
        "--answers FILE` checks it)",
        f"skip {cases}/ (2 files): example cases, not definitions (`kinecheck check` runs them)",
    ]
    # a cases folder named on its own: nothing to validate, nothing wrong
    only = cli("validate", str(cases))
    assert only.code == 0, only
    assert only.stdout.splitlines() == ["all 0 files valid"]


def test_a_case_file_named_on_its_own_points_to_check(tmp_path: Path) -> None:
    case = ROOT / "rules" / "cases" / "hip.yaml"
    result = cli("validate", str(case))
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"FAIL {case}",
        f"  {case}:1: a file of example cases, not a definition (run it with "
        f"`kinecheck check {case}`)",
        "1 of 1 file failed",
    ]

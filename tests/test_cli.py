"""The `kinecheck` command as people and scripts use it: outputs, files, exit codes, messages."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kinecheck.cli import app

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = ROOT / "examples" / "desk-worker.yaml"

CONTRACT_KEYS = {
    "schema_version",
    "questionnaire",
    "rules",
    "answers",
    "findings",
    "referral",
    "plan_status",
    "plan",
    "disclaimer",
    "stop_rule",
}
DOSE_KEYS = {
    "seconds_min",
    "seconds_max",
    "rounds_min",
    "rounds_max",
    "min_total_seconds_per_side",
}
PLAN_KEYS = {
    "exercise",
    "name",
    "target",
    "kind",
    "variant",
    "sides",
    "equipment",
    "missing_equipment",
    "dose",
    "steps",
    "cautions",
}


@pytest.fixture(autouse=True)
def _in_the_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths in these tests (examples/, rules/) are the project's."""
    monkeypatch.chdir(ROOT)


class Result:
    """What a command printed and how it exited."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[:2000]}\nstderr: {self.stderr[:2000]}>"


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run kinecheck in this process (fast); the environment is cleaned of KINECHECK_PATH."""
    environment = {"KINECHECK_PATH": "", "COLUMNS": "100", **(env or {})}
    result = CliRunner().invoke(app, list(args), input=stdin, env=environment)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kinecheck {' '.join(args)} raised {result.exception!r}")
    return Result(result.exit_code, result.stdout, result.stderr)


def run(
    *args: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """Run `python -m kinecheck` as a separate process, as a shell would."""
    environment = {k: v for k, v in os.environ.items() if k != "KINECHECK_PATH"}
    environment.update({"COLUMNS": "100", "NO_COLOR": "1", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=environment,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return Result(done.returncode, done.stdout, done.stderr)


def desk_worker(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DESK_WORKER.read_text())
    data.update(changes)
    return data


def write_answers(path: Path, **changes: Any) -> Path:
    path.write_text(yaml.safe_dump(desk_worker(**changes)))
    return path


# -- assess: the four formats -----------------------------------------------------------------


def test_assess_json_follows_the_contract() -> None:
    result = cli("assess", "knee-pain", "--answers", str(DESK_WORKER), "--format", "json")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert set(report) >= CONTRACT_KEYS
    assert report["schema_version"] == 1
    assert report["questionnaire"]["id"] == "knee-pain"
    assert report["rules"]["id"] == "knee-pain"
    assert len(report["questionnaire"]["sha256"]) == 64
    assert report["answers"]["age"] == 41
    findings = {f["id"]: f for f in report["findings"]}
    assert findings["hip_immobility"]["level"] == "likely"
    assert findings["ankle_immobility"]["level"] == "possible"
    for finding in report["findings"]:
        assert {"id", "title", "level", "score", "evidence"} <= set(finding)
        for evidence in finding["evidence"]:
            assert {"question", "answer", "points", "because"} <= set(evidence)
    assert report["referral"]["level"] == "none"
    assert report["referral"]["reasons"] == []
    assert report["plan_status"] == "ready"
    kinds = [item["kind"] for item in report["plan"]]
    assert kinds == sorted(kinds, key=["mobility", "stability"].index), "mobility first"
    assert {item["exercise"] for item in report["plan"]} == {
        "tfl_ball_rolling",
        "side_lying_leg_lift",
        "ankle_mobility_stretch",
        "calf_raise_to_toe_raise",
    }
    for item in report["plan"]:
        assert set(item) >= PLAN_KEYS
        assert set(item["dose"]) >= DOSE_KEYS
    assert report["disclaimer"] and report["stop_rule"]


def test_assess_text_puts_the_referral_first_when_there_is_one() -> None:
    answers = yaml.safe_dump(desk_worker(pain_source_known="no"))
    result = cli("assess", "knee-pain", "--answers", "-", stdin=answers)
    assert result.code == 0, result
    text = result.stdout
    assert "A professional could help" in text
    assert text.index("A professional could help") < text.index("What your answers suggest")
    assert text.index("What your answers suggest") < text.index("Your exercise plan")
    assert "Limited hip mobility" in text
    assert "\x1b[" not in text, "no colour codes when the output is not a terminal"


def test_assess_text_without_a_referral_starts_with_the_findings() -> None:
    result = cli("assess", "knee-pain", "--answers", str(DESK_WORKER))
    assert result.code == 0, result
    assert "A professional could help" not in result.stdout
    assert result.stdout.lstrip().startswith("What your answers suggest")


def test_assess_markdown_and_html() -> None:
    markdown = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-f", "markdown")
    assert markdown.code == 0, markdown
    assert markdown.stdout.startswith("# ")
    assert "Limited hip mobility" in markdown.stdout
    html = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-f", "html")
    assert html.code == 0, html
    assert "<html" in html.stdout.lower() and "</html>" in html.stdout.lower()
    assert "Limited hip mobility" in html.stdout


def test_assess_reads_answers_from_standard_input() -> None:
    from_stdin = cli(
        "assess", "knee-pain", "--answers", "-", "-f", "json", stdin=DESK_WORKER.read_text()
    )
    from_file = cli("assess", "knee-pain", "--answers", str(DESK_WORKER), "-f", "json")
    assert from_stdin.code == 0, from_stdin
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)


def test_assess_accepts_json_answers(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(desk_worker()))
    result = cli("assess", "knee-pain", "-a", str(answers), "-f", "json")
    assert result.code == 0, result
    assert json.loads(result.stdout)["answers"]["age"] == 41


def test_assess_warns_about_answers_that_do_not_apply() -> None:
    answers = yaml.safe_dump(desk_worker(chest_symptoms="yes"))
    result = cli("assess", "knee-pain", "-a", "-", "-f", "json", stdin=answers)
    assert result.code == 0, result
    assert result.stderr == (
        "warning: chest_symptoms: ignored, the question does not apply to these answers\n"
    )
    assert "chest_symptoms" not in json.loads(result.stdout)["answers"]


# -- assess --output ------------------------------------------------------------------------


def test_output_is_written_owner_only_with_nothing_left_beside_it(tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    target = out_dir / "report.json"
    result = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-f", "json", "-o", str(target))
    assert result.code == 0, result
    assert result.stdout == ""
    assert result.stderr == f"report written to {target}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]
    assert json.loads(target.read_text())["questionnaire"]["id"] == "knee-pain"


def test_output_with_force_replaces_an_existing_report_and_stays_owner_only(
    tmp_path: Path,
) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report")
    target.chmod(0o644)
    result = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-o", str(target), "--force")
    assert result.code == 0, result
    assert target.read_text().startswith("# ")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_output_where_no_folder_can_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where a folder should be")
    result = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-o", str(blocker / "r.json"))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {blocker}: is a file, not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_invalid_answers_write_nothing_and_list_every_problem(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("age: forty\nagee: 41\nknee_side: lfet\n")
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    target = out_dir / "report.json"
    target.write_text("the previous report")
    result = run(
        "assess", "knee-pain", "-a", str(answers), "-f", "json", "-o", str(target), "--force"
    )
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: 20 problems with the answers in {answers}:"
    assert lines[1] == (  # in the order of the file
        f"  {answers}:1: age: not a number; allowed: a whole number from 5 to 120 (years)"
    )
    assert lines[2] == f"  {answers}:2: agee: unknown question id; did you mean 'age'?"
    assert lines[3] == (
        f"  {answers}:3: knee_side: not one of the choices; did you mean 'left'? "
        "Allowed: one of: left, right, both"
    )
    assert lines[4] == "  pain_level: missing answer; allowed: a whole number from 0 to 10"
    assert len(lines) == 21
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "error: {path}: the file is empty"),
        (
            "- 41\n- left\n",
            "error: {path}: expected a mapping from question id to answer, "
            "one 'question_id: answer' per line (for example 'age: 41')",
        ),
        (
            "age: [41\n",
            "error: {path}:2: invalid YAML: did not find expected ',' or ']' "
            "(column 1; while parsing a flow sequence that starts on line 1) (check the "
            "indentation of this line and the one before: items of one list or mapping line up; "
            "put quotes around text that contains ': ' or starts with [, {, * or ')",
        ),
    ],
    ids=["empty", "a list", "broken yaml"],
)
def test_an_unreadable_answers_file_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(content)
    target = tmp_path / "report.json"
    result = cli("assess", "knee-pain", "-a", str(path), "-o", str(target))
    assert result.code == 2
    assert result.stderr == message.replace("{path}", str(path)) + "\n"
    assert not target.exists()


# -- assess: JSON Lines batches ---------------------------------------------------------------


def batch_lines() -> list[str]:
    return [
        json.dumps(desk_worker()),
        json.dumps(desk_worker(age="x", knee_side="lfet")),
        json.dumps(desk_worker(age=70, recent_trauma="yes")),
        "this is not json",
        json.dumps(desk_worker(red_flags=["calf_swelling"], chest_symptoms="yes")),
    ]


def check_batch_output(stdout: str) -> None:
    records = [json.loads(line) for line in stdout.splitlines()]
    assert len(records) == 5
    assert records[0]["questionnaire"]["id"] == "knee-pain"
    assert records[0]["referral"]["level"] == "none"
    assert records[1] == {
        "line": 2,
        "errors": [
            {
                "question": "age",
                "value": "x",
                "message": "not a number",
                "allowed": "a whole number from 5 to 120 (years)",
            },
            {
                "question": "knee_side",
                "value": "lfet",
                "message": "not one of the choices; did you mean 'left'?",
                "allowed": "one of: left, right, both",
            },
        ],
    }
    assert records[2]["answers"]["age"] == 70
    assert records[2]["referral"]["level"] == "urgent"
    assert records[3]["line"] == 4
    assert len(records[3]["errors"]) == 1
    assert records[3]["errors"][0]["message"].startswith("not valid JSON")
    assert records[4]["referral"]["level"] == "emergency"


def test_a_jsonl_file_gives_one_report_per_line_in_order(tmp_path: Path) -> None:
    batch = tmp_path / "answers.jsonl"
    batch.write_text("\n".join(batch_lines()) + "\n")
    result = cli("assess", "knee-pain", "--answers", str(batch))
    assert result.code == 2, "a line failed"
    check_batch_output(result.stdout)
    assert "2 lines had invalid answers" in result.stderr


def test_jsonl_from_standard_input(tmp_path: Path) -> None:
    result = run(
        "assess",
        "knee-pain",
        "--answers",
        "-",
        "--format",
        "jsonl",
        stdin="\n".join(batch_lines()) + "\n",
    )
    assert result.code == 2
    check_batch_output(result.stdout)


def test_a_jsonl_batch_without_errors_exits_0_and_can_be_written_to_a_file(tmp_path: Path) -> None:
    batch = tmp_path / "answers.jsonl"
    batch.write_text(json.dumps(desk_worker()) + "\n" + json.dumps(desk_worker(age=30)) + "\n")
    target = tmp_path / "out" / "reports.jsonl"
    target.parent.mkdir()
    result = cli("assess", "knee-pain", "-a", str(batch), "-o", str(target))
    assert result.code == 0, result
    assert result.stdout == ""
    ages = [json.loads(line)["answers"]["age"] for line in target.read_text().splitlines()]
    assert ages == [41, 30]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["reports.jsonl"]


# -- validate ---------------------------------------------------------------------------------


def test_validate_checks_the_bundled_definitions_by_default() -> None:
    result = cli("validate")
    assert result.code == 0, result
    assert result.stdout.splitlines()[-1] == "all 1 file valid"
    assert "knee-pain.yaml" in result.stdout


def test_validate_folders() -> None:
    result = run("validate", "questionnaires", "rules")
    assert result.code == 0, result
    assert result.stdout.splitlines() == [
        "ok   questionnaires/knee-pain.yaml",
        "ok   rules/exercises.yaml",
        "ok   rules/knee-pain.yaml",
        "all 3 files valid",
    ]


def test_validate_a_broken_file_exits_1_with_file_and_line(tmp_path: Path) -> None:
    clinic = make_clinic(tmp_path)
    rules = clinic / "rules" / "shoulder.yaml"
    rules.write_text(rules.read_text().replace("desk_hours >= 6", "desk_hour >= 6"))
    result = cli("validate", str(rules))
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"FAIL {rules}",
        f"  {rules.resolve()}:13: findings[neck_strain].points[0].when: unknown name "
        "'desk_hour' (did you mean 'desk_hours'?)",
        "1 of 1 file failed",
    ]


def test_validate_a_folder_files_each_problem_under_the_file_to_edit(tmp_path: Path) -> None:
    clinic = make_clinic(tmp_path)
    rules = clinic / "rules" / "shoulder.yaml"
    rules.write_text(rules.read_text().replace("desk_hours >= 6", "desk_hour >= 6"))
    result = cli("validate", str(clinic))
    assert result.code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert failed == [f"FAIL {rules}"]  # not also the questionnaire checked together with it
    assert result.stderr.count("unknown name 'desk_hour'") == 1
    assert f"ok   {clinic / 'questionnaires' / 'shoulder.yaml'}" in result.stdout


def test_validate_a_missing_path_exits_2() -> None:
    result = cli("validate", "no/such/file.yaml")
    assert result.code == 2
    assert result.stderr == "error: no/such/file.yaml: no such file or folder\n"


def test_validate_an_unrelated_yaml_file(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: something else\n")
    result = cli("validate", str(other))
    assert result.code == 1
    assert result.stderr.splitlines()[1] == (
        f"  {other}:1: not a questionnaire, rules or exercise library (expected a "
        "top-level 'sections', 'questionnaire' or 'exercises' field)"
    )


# -- list, exercises --------------------------------------------------------------------------


def test_list_shows_knee_pain_with_title_and_version() -> None:
    result = cli("list")
    assert result.code == 0, result
    assert result.stdout.split() == [
        "knee-pain",
        "1.0.1",
        *["Knee", "pain", "and", "a", "stiff", "hip", "or", "ankle"],
    ]


def test_exercises_lists_the_library() -> None:
    result = cli("exercises")
    assert result.code == 0, result
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == [
        "ankle_mobility_stretch",
        "calf_raise_to_toe_raise",
        "tfl_ball_rolling",
        "side_lying_leg_lift",
    ]


def test_one_exercise_in_full() -> None:
    result = cli("exercises", "tfl_ball_rolling")
    assert result.code == 0, result
    text = result.stdout
    assert text.splitlines()[0] == "Outer-hip ball release (TFL rolling) (tfl_ball_rolling)"
    assert "Variant 'floor'" in text and "Variant 'wall'" in text
    assert "  1. " in text and "  2. " in text, "numbered steps"
    assert "Dose: " in text and "Gone too far: " in text
    assert "Stop rule: Stop an exercise if you feel sharp pain" in text
    assert "not medical advice" in text


def test_an_unknown_exercise_suggests_the_right_one() -> None:
    result = cli("exercises", "tfl_ball_rollin")
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: unknown exercise 'tfl_ball_rollin'; did you mean 'tfl_ball_rolling'? (known: "
        "ankle_mobility_stretch, calf_raise_to_toe_raise, tfl_ball_rolling, side_lying_leg_lift)\n"
    )


# -- naming questionnaires --------------------------------------------------------------------


def test_an_unknown_questionnaire_suggests_the_right_one() -> None:
    result = cli("assess", "knee-pian", "-a", str(DESK_WORKER))
    assert result.code == 2
    assert result.stderr == (
        "error: unknown questionnaire 'knee-pian'; did you mean 'knee-pain'? "
        "(available: knee-pain; `kinecheck list` shows them)\n"
    )


def test_a_questionnaire_can_be_named_by_path(tmp_path: Path) -> None:
    by_path = run(
        "assess",
        str(ROOT / "questionnaires" / "knee-pain.yaml"),
        "-a",
        str(DESK_WORKER),
        "-f",
        "json",
        cwd=tmp_path,
    )
    assert by_path.code == 0, by_path
    by_id = cli("assess", "knee-pain", "-a", str(DESK_WORKER), "-f", "json")
    assert json.loads(by_path.stdout) == json.loads(by_id.stdout)


def test_a_missing_questionnaire_path_is_a_clear_error() -> None:
    result = cli("assess", "clinic/missing.yaml", "-a", str(DESK_WORKER))
    assert result.code == 2
    assert result.stderr == "error: clinic/missing.yaml: no such file\n"


# -- a clinic's own questionnaire, found through KINECHECK_PATH -------------------------------

CLINIC_QUESTIONNAIRE = """\
id: shoulder
title: Shoulder check
version: "0.3"
sections:
  - id: work
    title: Your work
    questions:
      - id: desk_hours
        type: number
        prompt: How many hours a day do you work at a desk?
        min: 0
        max: 24
      - id: shoulder_pain
        type: yes_no
        prompt: Does your shoulder hurt when you lift your arm?
"""
CLINIC_RULES = """\
id: shoulder
version: "0.3"
questionnaire: shoulder
disclaimer: General information only.
stop_rule: Stop if it hurts.
findings:
  - id: neck_strain
    title: Neck and shoulder strain
    statement:
      likely: Long desk days are likely adding to it.
      possible: Long desk days may be adding to it.
    points:
      - when: "desk_hours >= 6"
        points: 3
        because: You work at a desk for 6 hours or more.
    exercises: [doorway_stretch]
referral:
  levels:
    none: {title: Nothing urgent, message: Carry on.}
    routine: {title: See us, message: Book a visit.}
    soon: {title: Soon, message: This week.}
    urgent: {title: Today, message: Today.}
    emergency: {title: Now, message: Call now.}
  reasons:
    - id: painful_lift
      when: "shoulder_pain == 'yes'"
      level: routine
      message: A painful lift is worth a look.
plan:
  status_messages:
    ready: Start gently.
    after_clearance: After a visit.
    withheld: Not yet.
  status:
    - {status: withheld, when: "referral_level in ['soon', 'urgent', 'emergency']"}
"""
CLINIC_EXERCISES = """\
version: "0.3"
exercises:
  - id: doorway_stretch
    name: Doorway stretch
    purpose: Opens the chest.
    target: shoulder
    kind: mobility
    dose: {seconds_min: 20, seconds_max: 30}
    variants:
      - id: doorway
        name: In a doorway
        setup: Stand in a doorway.
        steps: [Rest your forearms on the frame., Lean forward gently.]
    too_far: Tingling in the hands.
    easier: Lean less.
"""


def make_clinic(tmp_path: Path) -> Path:
    clinic = tmp_path / "clinic"
    (clinic / "questionnaires").mkdir(parents=True)
    (clinic / "rules").mkdir()
    (clinic / "questionnaires" / "shoulder.yaml").write_text(CLINIC_QUESTIONNAIRE)
    (clinic / "rules" / "shoulder.yaml").write_text(CLINIC_RULES)
    (clinic / "rules" / "exercises.yaml").write_text(CLINIC_EXERCISES)
    return clinic


def test_a_clinic_adds_a_questionnaire_with_kinecheck_path(tmp_path: Path) -> None:
    clinic = make_clinic(tmp_path)
    env = {"KINECHECK_PATH": str(clinic)}
    listed = run("list", env=env, cwd=tmp_path)
    assert listed.code == 0, listed
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["shoulder", "0.3", "Shoulder", "check"] in rows
    assert rows[-1][0] == "knee-pain", "the bundled questionnaires are still there"

    answers = tmp_path / "answers.yaml"
    answers.write_text("desk_hours: 7.5\nshoulder_pain: yes\n")
    result = run("assess", "shoulder", "-a", str(answers), "-f", "json", env=env, cwd=tmp_path)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["questionnaire"] == {
        "id": "shoulder",
        "version": "0.3",
        "sha256": report["questionnaire"]["sha256"],
    }
    assert [(f["id"], f["level"]) for f in report["findings"]] == [("neck_strain", "likely")]
    assert report["referral"]["level"] == "routine"
    assert [item["exercise"] for item in report["plan"]] == ["doorway_stretch"]

    validated = run("validate", env=env, cwd=tmp_path)
    assert validated.code == 0, validated
    assert validated.stdout.splitlines()[-1] == "all 2 files valid"

    exercises = run("exercises", "--questionnaire", "shoulder", env=env, cwd=tmp_path)
    assert exercises.stdout.split()[0] == "doorway_stretch"


def test_a_clinic_questionnaire_is_checked_like_the_bundled_ones(tmp_path: Path) -> None:
    clinic = make_clinic(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("desk_hours: 30\nshoulder_pain: maybe\n")
    result = cli("assess", "shoulder", "-a", str(answers), env={"KINECHECK_PATH": str(clinic)})
    assert result.code == 2
    assert result.stderr.splitlines()[1:] == [
        f"  {answers}:1: desk_hours: out of range: it must be between 0 and 24; "
        "allowed: a number from 0 to 24",
        f"  {answers}:2: shoulder_pain: not one of the choices; allowed: one of: yes, no, not_sure",
    ]


# -- help -------------------------------------------------------------------------------------

COMMANDS = [c.name for c in app.registered_commands]


def test_every_command_is_registered() -> None:
    assert {"take", "assess", "validate", "list", "exercises"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_teaches_with_an_example(command: str) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = cli(*[a for a in args if a])
    assert result.code == 0, result
    assert "Usage: kinecheck" in result.stdout
    assert "example" in result.stdout.lower(), f"`kinecheck {command} --help` shows no example"


def test_kinecheck_without_a_command_shows_help() -> None:
    result = run()
    assert result.code == 0
    assert "Usage: " in result.stdout
    assert "assess" in result.stdout and "validate" in result.stdout


# -- no traceback, ever, for a user's mistake --------------------------------------------------

USER_ERRORS = [
    (["assess", "knee-pain"], 2),
    (["assess", "knee-pain", "-a", "no-such-answers.yaml"], 2),
    (["assess", "knee-pain", "-a", "examples"], 2),
    (["assess", "knee-pain", "-a", "no-such.jsonl"], 2),
    (["assess", "knee-pain", "-a", "examples/desk-worker.yaml", "-f", "pdf"], 2),
    (["assess", "knee-pain", "-a", "examples/desk-worker.yaml", "--rules", "nope.yaml"], 2),
    (["assess", "no-such-questionnaire", "-a", "examples/desk-worker.yaml"], 2),
    (["assess", "README.md", "-a", "examples/desk-worker.yaml"], 2),
    (["assess", "examples/desk-worker.yaml", "-a", "examples/desk-worker.yaml"], 2),
    (["assess", "knee-pain", "-a", "pyproject.toml"], 2),
    (["assess", "knee-pain", "-a", "examples/desk-worker.yaml", "-o", "README.md/out.txt"], 2),
    (["validate", "no-such-folder"], 2),
    (["validate", "README.md"], 1),
    (["exercises", "nope"], 2),
    (["exercises", "-q", "nope"], 2),
    (["frobnicate"], 2),
    (["list", "extra"], 2),
]


@pytest.mark.parametrize(("args", "code"), USER_ERRORS, ids=[" ".join(a) for a, _ in USER_ERRORS])
def test_a_user_error_is_a_message_and_an_exit_code_never_a_traceback(
    args: list[str], code: int
) -> None:
    result = cli(*args)  # cli() fails the test on any exception other than a clean exit
    assert result.code == code, result
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip(), "the user is told what went wrong"


def test_a_user_error_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yaml"
    bad.write_text("age: [\n")
    for args in (
        ["assess", "knee-pain", "-a", str(bad)],
        ["assess", "knee-pain", "-a", str(tmp_path)],
        ["validate", str(bad)],
        ["exercises", "nope"],
    ):
        result = run(*args)  # run() asserts there is no traceback
        assert result.code in (1, 2), result


def test_answer_problems_are_listed_in_the_order_of_the_file(tmp_path: Path) -> None:
    # the file's order differs from the questionnaire's: problems follow the file
    answers = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())
    answers.update(sitting_hours=30, age=400, knee_side="lft")
    del answers["pain_level"]  # a missing answer has no line: it comes last
    order = ["sitting_hours", "age", "knee_side"] + [
        k for k in answers if k not in ("sitting_hours", "age", "knee_side")
    ]
    path = tmp_path / "answers.yaml"
    path.write_text("".join(f"{k}: {json.dumps(answers[k])}\n" for k in order))
    result = cli("assess", "knee-pain", "--answers", str(path))
    assert result.code == 2
    listed = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert [line.split(": ")[0].rsplit(":", 1)[-1] for line in listed[:3]] == ["1", "2", "3"]
    assert listed[0].startswith(f"{path}:1: sitting_hours:")
    assert listed[1].startswith(f"{path}:2: age:")
    assert listed[2] == (
        f"{path}:3: knee_side: not one of the choices; did you mean 'left'? "
        "Allowed: one of: left, right, both"
    )
    assert listed[3].startswith("pain_level: missing answer")


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["assess"], "Usage: kinecheck assess [OPTIONS] QUESTIONNAIRE"),
        (["take"], "Usage: kinecheck take [OPTIONS] [QUESTIONNAIRE]"),
        (["schema", "answers"], "Usage: kinecheck schema answers [OPTIONS] QUESTIONNAIRE"),
        (["validate"], "Usage: kinecheck validate [OPTIONS] [PATH]..."),
    ],
)
def test_usage_lines_name_arguments_as_people_write_them(args: list[str], usage: str) -> None:
    result = cli(*args, "--help")
    assert result.code == 0
    assert result.stdout.splitlines()[0] == usage

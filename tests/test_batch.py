"""JSON Lines batch output is the contract.

Each batch line must be byte for byte the JSON of `kinecheck assess --format json` for the
same answers, minus indentation; an invalid line gives an error record in its place and the
rest still stream. The compact JSON (written with orjson) is what pydantic writes for the
report models.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import TypeAdapter
from typer.testing import CliRunner

from kinecheck import api
from kinecheck.cli import app
from kinecheck.render.jsonout import to_bytes
from kinecheck.scoring.report import (
    Report,
)
from strategies import answer_sets

REPORT = TypeAdapter(Report)  # pydantic's own reading and writing of the contract

ROOT = Path(__file__).resolve().parent.parent
DEFS = api.load("knee-pain")
DESK_WORKER: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())

EXAMPLES: list[dict[str, Any]] = [
    DESK_WORKER,
    {  # self-tests done: measured findings, other variants, missing equipment
        **DESK_WORKER,
        "self_tests": "yes",
        "knee_to_wall_left_cm": 8.5,
        "knee_to_wall_right_cm": 11,
        "balance_left_s": 15,
        "balance_right_s": 30.5,
        "thomas_test": "above_horizontal",
        "equipment": ["bench", "weight_or_block"],
        "floor_comfortable": "no",
    },
    {**DESK_WORKER, "red_flags": ["calf_swelling"], "chest_symptoms": "yes"},  # plan withheld
    {  # checks first; no equipment: household substitutes named
        **DESK_WORKER,
        "current_injury": "not_sure",
        "pain_source_known": "no",
        "other_pain": ["hip_or_groin"],
        "sports": ["none"],
        "equipment": ["none"],
    },
    {  # young, unsure about much, few findings
        **DESK_WORKER,
        "age": 16,
        "recent_trauma": "not_sure",
        "hips_feel_tight": "not_sure",
        "calves_feel_tight": "not_sure",
        "ankle_gives_way": "not_sure",
        "sitting_hours": 2.5,
        "ankle_sprains": 0,
    },
]


@pytest.fixture(autouse=True)
def _in_the_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def compact(text: str) -> str:
    """JSON text minus its indentation: whitespace outside strings removed, nothing else."""
    out: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch not in " \t\r\n":
            out.append(ch)
    return "".join(out)


def single_json(answers: Mapping[str, Any], tmp_path: Path, name: str) -> str:
    """What `kinecheck assess knee-pain --answers FILE --format json` prints."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(dict(answers)))
    result = CliRunner().invoke(
        app, ["assess", "knee-pain", "--answers", str(path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def run_batch(lines: list[str], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """The real CLI on a .jsonl file."""
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )


# -- the contract: batch lines are single runs, compacted ------------------------------------


def test_each_batch_line_is_the_single_run_json_minus_indentation(tmp_path: Path) -> None:
    result = run_batch([json.dumps(a) for a in EXAMPLES], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == len(EXAMPLES)
    for i, (answers, line) in enumerate(zip(EXAMPLES, lines, strict=True)):
        assert line == compact(single_json(answers, tmp_path, f"a{i}")), f"answer set {i}"


def test_examples_cover_the_plan_statuses_and_referral_levels(tmp_path: Path) -> None:
    reports = [
        json.loads(line)
        for line in run_batch([json.dumps(a) for a in EXAMPLES], tmp_path).stdout.splitlines()
    ]
    assert {r["plan_status"] for r in reports} == {"ready", "after_clearance", "withheld"}
    assert len({r["referral"]["level"] for r in reports}) >= 3
    assert any(item["missing_equipment"] for r in reports for item in r["plan"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(DEFS))
def test_compact_json_is_what_pydantic_writes_for_the_report(answers: dict[str, Any]) -> None:
    report = api.assess(DEFS, answers)
    # no scores in these rules, and the wording for people is never in the JSON
    own = REPORT.dump_json(report, exclude={"scores", "wording"})
    assert to_bytes(report) == own, "differs from the models' own JSON"
    assert REPORT.validate_json(to_bytes(report)) == report, "does not read back the same"


# -- invalid lines, streaming ------------------------------------------------------


def test_an_invalid_line_in_the_middle_gives_an_error_record_and_the_rest_still_stream(
    tmp_path: Path,
) -> None:
    lines = [
        json.dumps(EXAMPLES[0]),
        "{not json",
        json.dumps({**EXAMPLES[1], "age": 300, "bogus": 1}),
        "",
        "[1, 2]",
        json.dumps(EXAMPLES[2]),
    ]
    result = run_batch(lines, tmp_path)
    assert result.returncode == 2
    assert "3 lines had invalid answers" in result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5  # the blank line gives nothing
    assert records[0]["schema_version"] == 1
    assert records[1]["line"] == 2
    assert records[1]["errors"][0]["message"].startswith("not valid JSON")
    assert records[2]["line"] == 3
    assert {e["question"] for e in records[2]["errors"]} == {"age", "bogus"}
    assert records[3] == {
        "line": 5,
        "errors": [
            {
                "question": "(file)",
                "value": None,
                "message": "expected a mapping from question id to answer",
                "allowed": "for example: {age: 41, side: left}",
            }
        ],
    }
    assert records[4] == json.loads(compact(single_json(EXAMPLES[2], tmp_path, "last")))


def test_answers_that_do_not_apply_are_ignored_with_a_warning_naming_the_line(
    tmp_path: Path,
) -> None:
    assert DESK_WORKER["self_tests"] is False  # YAML reads `no` as false: a yes/no answer
    ignored = {**DESK_WORKER, "knee_to_wall_left_cm": 5}
    result = run_batch([json.dumps(DESK_WORKER), json.dumps(ignored)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        "warning: line 2: knee_to_wall_left_cm: ignored, the question does not apply to these "
        "answers\n"
    )
    assert len(result.stdout.splitlines()) == 2


def test_reports_stream_from_a_pipe_as_each_line_arrives() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "-a", "-", "-f", "jsonl"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)

    def next_output_line() -> dict[str, Any]:
        assert selector.select(timeout=60), "no output while the input was still open"
        return json.loads(proc.stdout.readline())  # type: ignore[union-attr]

    try:
        for line, expect_report in ((EXAMPLES[0], True), ("oops", False), (EXAMPLES[3], True)):
            text = line if isinstance(line, str) else json.dumps(line)
            proc.stdin.write(text.encode() + b"\n")
            proc.stdin.flush()
            record = next_output_line()  # before the input ends
            assert ("schema_version" in record) is expect_report
        proc.stdin.close()
        assert proc.wait(timeout=60) == 2
    finally:
        proc.kill()
        proc.wait()


def test_a_last_line_without_newline_is_scored(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(EXAMPLES[0]) + "\n" + json.dumps(EXAMPLES[1]))
    result = CliRunner().invoke(app, ["assess", "knee-pain", "--answers", str(path)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2

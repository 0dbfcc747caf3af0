"""JSON Lines batch output is the contract, however fast it is made.

Each batch line must be byte for byte the JSON of `kinecheck assess --format json` for the
same answers, minus indentation; an invalid line gives an error record in its place and the
rest still stream; worker processes change nothing. The fast paths (fused rules, prepared
report blocks, orjson) are also checked against a plain reference assessment.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
from kinecheck.assess import Assessor, assessor_for
from kinecheck.cli import app
from kinecheck.loading import Definitions
from kinecheck.models.report import (
    DoseOut,
    Evidence,
    FindingResult,
    PlanItem,
    ReasonResult,
    ReferralResult,
    Report,
)
from kinecheck.models.rules import REFERRAL_ORDER
from kinecheck.render.jsonout import to_bytes
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


def run_batch(
    lines: list[str], tmp_path: Path, jobs: int = 1
) -> subprocess.CompletedProcess[bytes]:
    """The real CLI on a .jsonl file, with KINECHECK_JOBS=jobs."""
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers", str(path)],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "KINECHECK_JOBS": str(jobs)},
        check=False,
    )


# -- the contract: batch lines are single runs, compacted ------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_batch_line_is_the_single_run_json_minus_indentation(
    tmp_path: Path, jobs: int
) -> None:
    result = run_batch([json.dumps(a) for a in EXAMPLES], tmp_path, jobs)
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
def test_fast_json_is_the_report_models_json_byte_for_byte(answers: dict[str, Any]) -> None:
    report = api.assess(DEFS, answers)
    fast = assessor_for(DEFS).to_json(answers)
    assert fast == to_bytes(report)
    assert fast == REPORT.dump_json(report), "pydantic writes the contract differently"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(DEFS))
def test_optimised_assessment_decides_what_the_plain_rules_decide(answers: dict[str, Any]) -> None:
    assert api.assess(DEFS, answers) == reference_report(DEFS, answers)


# -- invalid lines, streaming, workers ------------------------------------------------------


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
    outputs = {}
    for jobs in (1, 2):
        result = run_batch(lines, tmp_path, jobs)
        assert result.returncode == 2
        assert "3 lines had invalid answers" in result.stderr.decode()
        outputs[jobs] = result.stdout
    assert outputs[1] == outputs[2]
    records = [json.loads(line) for line in outputs[1].splitlines()]
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
                "allowed": "for example: {age: 41, knee_side: left}",
            }
        ],
    }
    assert records[4] == json.loads(compact(single_json(EXAMPLES[2], tmp_path, "last")))


@pytest.mark.parametrize("jobs", [1, 2])
def test_answers_that_do_not_apply_are_ignored_with_a_warning_naming_the_line(
    tmp_path: Path, jobs: int
) -> None:
    assert DESK_WORKER["self_tests"] is False  # YAML reads `no` as false: a yes/no answer
    ignored = {**DESK_WORKER, "knee_to_wall_left_cm": 5}
    result = run_batch([json.dumps(DESK_WORKER), json.dumps(ignored)], tmp_path, jobs)
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


def test_worker_processes_write_what_one_process_writes(tmp_path: Path) -> None:
    lines = []
    for i in range(700):  # enough for many blocks, with varied plans and a few bad lines
        answers = {**EXAMPLES[i % len(EXAMPLES)], "age": 12 + i % 70, "sitting_hours": i % 49 / 2}
        lines.append("{broken" if i % 97 == 13 else json.dumps(answers))
    one, workers = run_batch(lines, tmp_path, 1), run_batch(lines, tmp_path, 3)
    assert one.returncode == workers.returncode == 2
    assert one.stdout == workers.stdout
    assert len(one.stdout.splitlines()) == 700


def test_a_last_line_without_newline_is_scored(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(EXAMPLES[0]) + "\n" + json.dumps(EXAMPLES[1]))
    result = CliRunner().invoke(app, ["assess", "knee-pain", "--answers", str(path)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


# -- the fused reason tests against plain evaluation -----------------------------------------


@pytest.mark.parametrize(
    "red_flags",
    [None, [], ["none"], ["locking", "deformity"], ["locking", "locking"], ("locking",), [["x"]]],
)
def test_fused_reason_tests_agree_with_each_condition(red_flags: Any) -> None:
    context: dict[str, Any] = {**DESK_WORKER, "hip_immobility": "none", "ankle_immobility": "none"}
    if red_flags is None:
        del context["red_flags"]
    else:
        context["red_flags"] = red_flags
    assessor = Assessor(DEFS)
    expected = []
    for i, (_, condition) in enumerate(DEFS.reasons):
        try:
            holds = condition(context)
        except TypeError:
            holds = False
        if holds:
            expected.append(i)
    try:
        got = sorted(assessor._reason_tests(context))
    except TypeError:
        got = []
    assert got == expected


# -- a plain assessment, written the obvious way (the pre-optimisation code) -----------------

_RANK = {level: i for i, level in enumerate(REFERRAL_ORDER)}
_KIND_ORDER = {"mobility": 0, "stability": 1}


def reference_report(defs: Definitions, answers: Mapping[str, Any]) -> Report:
    """The report by evaluating every condition in turn and building the models directly."""
    rules = defs.rules
    findings = []
    for cf in defs.findings:
        evidence, score = [], 0
        for row in cf.rows:
            if row.condition(answers):
                score += row.points
                names = row.condition.names
                extra = (
                    {n: answers.get(n) for n in names if n != row.question}
                    if len(names) > 1
                    else {}
                )
                evidence.append(
                    Evidence(
                        question=row.question,
                        answer=answers.get(row.question),
                        points=row.points,
                        because=row.because,
                        answers=extra,
                    )
                )
        if score < cf.finding.thresholds.possible:
            continue
        level = "likely" if score >= cf.finding.thresholds.likely else "possible"
        capped = None
        for cap, condition in cf.caps:
            if level == "likely" and cap.max_level == "possible" and condition(answers):
                level, capped = "possible", cap.because
        findings.append(
            FindingResult(
                id=cf.finding.id,
                title=cf.finding.title,
                level=level,  # type: ignore[arg-type]
                score=score,
                statement=cf.finding.statement[level],  # type: ignore[index]
                evidence=evidence,
                capped=capped,
                notes=cf.finding.notes,
            )
        )
    context = dict(answers)
    fired = {f.id: f.level for f in findings}
    for cf in defs.findings:
        context[cf.finding.id] = fired.get(cf.finding.id, "none")
    reasons = [
        ReasonResult(id=r.id, level=r.level, message=r.message)
        for r, condition in defs.reasons
        if condition(context)
    ]
    level = max((r.level for r in reasons), key=_RANK.__getitem__, default="none")
    reasons.sort(key=lambda r: -_RANK[r.level])
    context["referral_level"] = level
    status = next((rule.status for rule, c in defs.status if c(context)), "ready")
    plan: list[PlanItem] = []
    if status != "withheld":
        chosen: dict[str, list[str]] = {}
        for f in sorted(findings, key=lambda f: f.level != "likely"):
            finding = next(cf.finding for cf in defs.findings if cf.finding.id == f.id)
            for ex_id in finding.exercises:
                chosen.setdefault(ex_id, []).append(f.id)
        eq = rules.plan.equipment_question
        have = (answers.get(eq) or ()) if eq else ()
        countable = (
            {c for q in [defs.questions[eq]] for c in getattr(q, "choices", [])} if eq else set()
        )
        countable_ids = {c.id for c in countable}
        exercises = defs.library.by_id()
        for ex_id, because in chosen.items():
            ex = exercises[ex_id]
            variant_id = next(
                (v for v, c in defs.variants.get(ex_id, ()) if c is None or c(answers)),
                ex.variants[0].id,
            )
            variant = ex.variant(variant_id)
            missing = [e for e in variant.equipment if e in countable_ids and e not in have]
            subs = defs.library.substitutes
            plan.append(
                PlanItem(
                    exercise=ex.id,
                    name=ex.name,
                    target=ex.target,
                    kind=ex.kind,
                    variant=variant.id,
                    variant_name=variant.name,
                    sides=ex.sides,
                    equipment=list(variant.equipment),
                    missing_equipment=missing,
                    substitutes={e: subs[e] for e in missing if e in subs},
                    dose=DoseOut(**dataclasses.asdict(ex.dose)),
                    purpose=ex.purpose,
                    setup=variant.setup,
                    steps=list(variant.steps),
                    too_far=ex.too_far,
                    easier=ex.easier,
                    cautions=list(ex.cautions),
                    notes=list(ex.notes),
                    because=because,
                )
            )
        plan.sort(key=lambda item: _KIND_ORDER[item.kind])
    advice = rules.referral.levels[level]  # type: ignore[index]
    message = rules.plan.status_messages[status]
    if not plan and status != "withheld" and rules.plan.empty_message:
        message = rules.plan.empty_message  # say so when nothing was chosen
    return Report(
        questionnaire=defs.questionnaire_ref,
        rules=defs.rules_ref,
        exercises=defs.library_ref,
        answers={k: v for k, v in answers.items() if v is not None},
        findings=findings,
        referral=ReferralResult(
            level=level,  # type: ignore[arg-type]
            title=advice.title,
            message=advice.message,
            reasons=reasons,
        ),
        plan_status=status,
        plan_status_message=message,
        plan=plan,
        disclaimer=rules.disclaimer,
        stop_rule=rules.stop_rule,
    )

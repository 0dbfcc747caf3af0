"""Answers are health data: an error about an answer names the question and the rule, never the
value (stderr may reach a shared log; docs/contract.md, "What an error shows")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinecheck import api
from kinecheck.errors import AnswersError
from test_cli import cli

SECRET = "Zq7secret"
SECRET_NUMBER = 987654321
# One wrong value of each shape, every one carrying a marker that must never be printed.
WRONG: list[Any] = [
    f"{SECRET} text",
    SECRET_NUMBER,
    -SECRET_NUMBER,
    SECRET_NUMBER + 0.5,
    [f"{SECRET}-a", f"{SECRET}-b"],
    ["left", f"{SECRET}"],
    {SECRET: SECRET},
    f"{SECRET_NUMBER}",
    f"{SECRET}" * 300,  # far too long for a text question too
]


def leaked(text: str) -> bool:
    return SECRET in text or str(SECRET_NUMBER) in text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_error_about_an_answer_repeats_the_answer(data: st.DataObject) -> None:
    defs = api.load("knee-pain")
    qids = list(defs.questions)
    picked = data.draw(st.lists(st.sampled_from(qids), min_size=1, max_size=len(qids)))
    raw = {qid: data.draw(st.sampled_from(WRONG)) for qid in picked}
    try:
        api.check_answers(defs, raw)
    except AnswersError as exc:
        text = str(exc)
        assert not leaked(text), text
        for problem in exc.problems:
            assert problem.question in text
    # a set that happens to be valid (a long text for an optional question) is fine too


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_assess_names_each_wrong_answer_without_its_value(tmp_path: Path, suffix: str) -> None:
    defs = api.load("knee-pain")
    raw = {qid: WRONG[i % len(WRONG)] for i, qid in enumerate(defs.questions)}
    answers = tmp_path / f"answers{suffix}"
    answers.write_text(json.dumps(raw) if suffix == ".json" else yaml.safe_dump(raw))
    result = cli("assess", "knee-pain", "-a", str(answers))
    assert result.code == 2
    assert not leaked(result.stderr), result.stderr
    assert "age:" in result.stderr and "allowed:" in result.stderr


def test_a_batch_error_record_keeps_the_value_in_its_own_field(tmp_path: Path) -> None:
    """The batch output is the data the caller asked for: `value` stays; the message does not."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"age": SECRET_NUMBER}) + "\n")
    result = cli("assess", "knee-pain", "-a", str(batch))
    assert result.code == 2
    record = json.loads(result.stdout.splitlines()[0])
    age = next(e for e in record["errors"] if e["question"] == "age")
    assert age["value"] == SECRET_NUMBER
    assert not leaked(age["message"]) and "out of range" in age["message"]
    assert not leaked(result.stderr)

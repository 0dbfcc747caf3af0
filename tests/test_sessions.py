"""Saved sessions: owner-only files in the data dir, resumed against a changed questionnaire."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from kinecheck import api
from kinecheck.definitions.compiled import Definitions
from kinecheck.errors import InputError
from kinecheck.quiz import sessions


@pytest.fixture(scope="module")
def defs() -> Definitions:
    return api.load()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINECHECK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_a_session_is_saved_owner_only_under_the_data_dir(
    defs: Definitions, data_dir: Path
) -> None:
    path = sessions.save(defs, {"age": 41, "knee_side": "left"})
    assert path == data_dir / "sessions" / "knee-pain.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    body = json.loads(path.read_text())
    assert body["questionnaire"]["sha256"] == defs.questionnaire_ref.sha256
    assert body["answers"] == {"age": 41, "knee_side": "left"}
    assert [p.name for p in path.parent.iterdir()] == ["knee-pain.json"]  # no temp files left


def test_a_saved_session_reads_back_and_is_deleted_when_done(defs: Definitions) -> None:
    assert sessions.load("knee-pain") is None
    sessions.save(defs, {"age": 41, "knee_to_wall_left_cm": None})
    saved = sessions.load("knee-pain")
    assert saved is not None and saved.answers == {"age": 41, "knee_to_wall_left_cm": None}
    assert sessions.exists("knee-pain")
    sessions.delete("knee-pain")
    assert not sessions.exists("knee-pain")
    sessions.delete("knee-pain")  # deleting twice is fine


def test_without_the_override_the_platform_data_dir_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KINECHECK_DATA_DIR")
    assert sessions.data_dir().name == "kinecheck"


def test_an_unchanged_questionnaire_keeps_every_answer(defs: Definitions) -> None:
    sessions.save(defs, {"age": 41, "red_flags": ["none"]})
    saved = sessions.load("knee-pain")
    assert saved is not None
    restored = sessions.restore(defs, saved)
    assert restored.answers == {"age": 41, "red_flags": ["none"]}
    assert not restored.changed and not restored.dropped


def test_a_changed_questionnaire_keeps_valid_answers_and_names_the_dropped(
    defs: Definitions,
) -> None:
    saved = sessions.Saved(
        questionnaire={"id": "knee-pain", "version": "0.9.0", "sha256": "0" * 64},
        answers={
            "age": 41,
            "sitting_hours": 30,
            "knee_bend": "yes",
            "red_flags": ["none"],
            "chest_symptoms": "no",
        },
        saved_at="2024-01-01T00:00:00+00:00",
    )
    restored = sessions.restore(defs, saved)
    assert restored.changed and restored.old_version == "0.9.0"
    assert restored.answers == {"age": 41, "red_flags": ["none"]}
    dropped = " ".join(restored.dropped)
    assert "sitting_hours" in dropped and "between 0 and 24" in dropped
    assert "knee_bend (unknown question id" in dropped
    assert "chest_symptoms (no longer asked" in dropped


def test_a_damaged_session_file_says_where_it_is_and_what_to_do(
    defs: Definitions, data_dir: Path
) -> None:
    path = data_dir / "sessions" / "knee-pain.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(InputError) as exc:
        sessions.load("knee-pain")
    assert str(path) in str(exc.value) and "without --resume" in str(exc.value)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="not a kinecheck session"):
        sessions.load("knee-pain")


def test_take_forget_deletes_the_saved_answers(defs: Definitions, data_dir: Path) -> None:
    import subprocess
    import sys

    path = sessions.save(defs, {"age": 41})
    assert path.exists()
    env = {**os.environ, "KINECHECK_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "kinecheck", "take", "--forget"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0
    assert "Deleted your saved answers for knee-pain" in first.stdout
    assert not path.exists()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert "nothing to delete" in again.stdout

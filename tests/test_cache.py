"""The definitions cache, as a user would notice it.

A second load is answered from the cache (no YAML, no pydantic) and gives the same reports as
reading the files; an edit, a broken file, a moved rules file or a damaged entry sends the
load back to the files; the cache is owner-only, used only from a private folder, and
`KINECHECK_CACHE=off` means no cache file is read or written by any command.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from kinecheck import api
from kinecheck.definitions import cache as defcache
from kinecheck.definitions import loading, model_errors
from kinecheck.definitions.exercises import ExerciseLibrary
from kinecheck.definitions.questionnaire import Questionnaire
from kinecheck.definitions.rules import RuleSet
from kinecheck.errors import DefinitionError
from kinecheck.render.jsonout import render
from strategies import answer_sets

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    entry["answers"]
    for path in sorted((ROOT / "rules" / "cases").glob("*.yaml"))
    for entry in yaml.safe_load(path.read_text())["cases"]
]
FRESH = api.load("knee-pain", cache=False)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KINECHECK_CACHE_DIR", str(folder))
    monkeypatch.delenv("KINECHECK_CACHE", raising=False)
    return folder


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The bundled knee-pain files copied to a folder of the test's own; its questionnaire."""
    for folder in ("questionnaires", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path / "questionnaires" / "knee-pain.yaml"


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "definitions").glob("*")) if (cache / "definitions").exists() else []


def files_must_not_be_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, validating a file with pydantic fails the test: loads must use the cache."""

    def fail(*args: Any) -> Any:
        raise AssertionError("the definition files were validated instead of the cache used")

    monkeypatch.setattr(model_errors, "validate_model", fail)


def report_json(defs: Any, answers: dict[str, Any]) -> str:
    return render(api.assess_raw(defs, answers))


# -- a second load comes from the cache and gives the same reports ----------------------------


def test_a_second_load_uses_the_cache_and_assesses_every_case_as_a_fresh_load(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.load("knee-pain")  # reads the files, writes the entry
    assert len(entries(cache)) == 1
    files_must_not_be_validated(monkeypatch)
    cached = api.load("knee-pain")
    assert cached.questionnaire == FRESH.questionnaire
    assert cached.rules == FRESH.rules
    assert cached.library == FRESH.library
    assert cached.questionnaire_ref == FRESH.questionnaire_ref
    for answers in CASES:
        assert report_json(cached, answers) == report_json(FRESH, answers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(FRESH))
def test_reports_from_cached_definitions_are_byte_for_byte_the_fresh_ones(
    answers: dict[str, Any],
) -> None:
    os.environ.pop("KINECHECK_CACHE", None)
    api.load("knee-pain")  # writes the entry once (the suite's own cache folder)
    cached = api.load("knee-pain")
    assert render(api.assess(cached, answers)) == render(api.assess(FRESH, answers))


@pytest.mark.parametrize("model", [Questionnaire, RuleSet, ExerciseLibrary])
def test_the_json_of_a_validated_model_builds_the_same_model(model: type[Any]) -> None:
    original = {
        Questionnaire: FRESH.questionnaire,
        RuleSet: FRESH.rules,
        ExerciseLibrary: FRESH.library,
    }[model]
    assert defcache.build(model, orjson.loads(orjson.dumps(original))) == original


def test_every_question_type_survives_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questionnaire = tmp_path / "questionnaires" / "all.yaml"
    (tmp_path / "rules").mkdir(parents=True)
    questionnaire.parent.mkdir()
    shutil.copy(ROOT / "rules" / "exercises.yaml", tmp_path / "rules" / "exercises.yaml")
    kinds = {
        "single": {"choices": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
        "multi": {"choices": [{"id": "c", "label": "C"}, {"id": "d", "label": "D"}]},
        "yes_no": {},
        "integer": {"min": 0, "max": 9, "unit": "days"},
        "number": {"min": 0.5, "max": 9.5, "optional": True},
        "scale": {"min": 0, "max": 10, "min_label": "none", "max_label": "worst"},
        "text": {"max_length": 40, "optional": True},
    }
    questions = [
        {"id": f"q_{kind}", "prompt": f"A {kind} question?", "type": kind, **extra}
        for kind, extra in kinds.items()
    ]
    questionnaire.write_text(
        json.dumps(
            {
                "id": "all",
                "version": "1",
                "title": "Every type",
                "sections": [{"id": "s", "title": "S", "questions": questions}],
            }
        )
    )
    rules = yaml.safe_load((ROOT / "rules" / "knee-pain.yaml").read_text())
    finding = rules["findings"][0]
    finding.pop("caps", None)
    finding["notes"] = ["Always shown.", {"text": "Shown from 5 on.", "when": "q_integer >= 5"}]
    finding["points"] = [{"when": "q_integer >= 3", "points": 1, "because": "Three or more."}]
    rules.update(questionnaire="all", id="all", findings=[finding])
    rules["referral"]["reasons"] = [
        {"id": "yes", "level": "routine", "when": "q_yes_no == 'yes'", "message": "Ask."}
    ]
    rules["plan"] = {
        "status": [{"status": "withheld", "when": "referral_level == 'urgent'"}],
        "status_messages": rules["plan"]["status_messages"],
    }
    (tmp_path / "rules" / "all.yaml").write_text(json.dumps(rules))
    fresh = api.load(str(questionnaire), cache=False)
    api.load(str(questionnaire))
    files_must_not_be_validated(monkeypatch)
    cached = api.load(str(questionnaire))
    assert cached.questionnaire == fresh.questionnaire
    assert [type(q).__name__ for q in cached.questions.values()] == [
        "SingleChoice",
        "MultiChoice",
        "YesNo",
        "Integer",
        "Number",
        "Scale",
        "Text",
    ]


# -- anything changed: the files are read again -----------------------------------------------


def test_an_edit_after_the_entry_was_written_is_seen_on_the_next_load(
    cache: Path, copy: Path
) -> None:
    api.load(str(copy))
    rules = copy.parent.parent / "rules" / "knee-pain.yaml"
    rules.write_text(rules.read_text().replace("sitting_hours >= 8", "sitting_hours >= 9"))
    after = api.load(str(copy))
    assert report_json(after, CASES[0]) == report_json(api.load(str(copy), cache=False), CASES[0])
    assert "sitting_hours >= 9" in [r.condition.source for f in after.findings for r in f.rows]
    assert len(entries(cache)) == 1  # the stale entry was replaced, not kept beside


def test_a_file_made_invalid_after_the_entry_was_written_is_an_error_with_its_line(
    cache: Path, copy: Path
) -> None:
    api.load(str(copy))
    library = copy.parent.parent / "rules" / "exercises.yaml"
    library.write_text(library.read_text().replace("kind: mobility", "kind: mobilty", 1))
    with pytest.raises(DefinitionError) as info:
        api.load(str(copy))
    assert any(p.file == str(library) and p.line for p in info.value.problems)


def test_a_rules_file_that_now_resolves_elsewhere_is_read(cache: Path, copy: Path) -> None:
    api.load(str(copy))
    rules = copy.parent.parent / "rules" / "knee-pain.yaml"
    moved = rules.read_text().replace("sitting_hours >= 8", "sitting_hours >= 10")
    rules.unlink()
    (rules.parent / "knee-pain.yml").write_text(moved)  # the next file the convention finds
    after = api.load(str(copy))
    assert "sitting_hours >= 10" in [r.condition.source for f in after.findings for r in f.rows]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"not json",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(b'"format":2', b'"format":99'),
        lambda raw: raw.replace(b'"code":"', b'"code":"0'),
        lambda raw: raw.replace(b'"type":"integer"', b'"type":"integr"', 1),
        lambda raw: raw.replace(b'"sections":', b'"sectons":', 1),
        lambda raw: orjson.dumps([1, 2, 3]),
    ],
    ids=["garbage", "cut", "format", "other-code", "unknown-type", "missing-field", "a-list"],
)
def test_a_damaged_entry_is_ignored_and_the_files_are_read(
    cache: Path, damage: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.load("knee-pain")
    (entry,) = entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    read: list[Path] = []
    real = loading._load

    def spy(path: Path, *args: Any) -> Any:
        read.append(path)
        return real(path, *args)

    monkeypatch.setattr(loading, "_load", spy)
    defs = api.load("knee-pain")
    assert len(read) == 3, "the files were not read again"
    assert report_json(defs, CASES[0]) == report_json(FRESH, CASES[0])


def test_a_file_that_changed_in_a_way_the_checks_refuse_is_not_answered_from_the_cache(
    cache: Path, copy: Path
) -> None:
    """Even an entry matching the files is checked again like fresh data."""
    api.load(str(copy))
    (entry,) = entries(cache)
    planted = json.loads(entry.read_text())
    planted["rules"]["findings"][0]["points"][0]["when"] = "no_such_question > 1"
    entry.write_text(json.dumps(planted))
    defs = api.load(str(copy))  # the checks refuse the planted condition: the files are read
    assert [r.condition.source for r in defs.findings[0].rows] == [
        r.condition.source for r in FRESH.findings[0].rows
    ]


# -- privacy, and the switch -------------------------------------------------------------------


def test_the_entry_is_owner_only_even_under_umask_000(cache: Path) -> None:
    old = os.umask(0)
    try:
        api.load("knee-pain")
    finally:
        os.umask(old)
    (entry,) = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temp file left


@pytest.mark.parametrize("what", ["folder", "entry"])
def test_a_cache_others_can_write_is_never_used(
    cache: Path, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.load("knee-pain")
    (entry,) = entries(cache)
    (entry.parent if what == "folder" else entry).chmod(0o777 if what == "folder" else 0o666)
    read: list[Path] = []
    real = loading._load
    monkeypatch.setattr(loading, "_load", lambda path, *a: read.append(path) or real(path, *a))
    api.load("knee-pain")
    assert len(read) == 3


def test_a_symlinked_cache_folder_is_never_used(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache.mkdir()
    (cache / "definitions").symlink_to(elsewhere)
    api.load("knee-pain")
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


def test_validate_always_reads_the_files(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from kinecheck.cli import app

    api.load("knee-pain")

    def fail(*args: Any) -> Any:
        raise AssertionError("validate used the cache")

    monkeypatch.setattr(defcache, "load", fail)
    assert CliRunner().invoke(app, ["validate"]).exit_code == 0


def test_cache_off_means_no_cache_file_is_read_or_written_by_assess_or_the_quiz(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    env = {
        **os.environ,
        "KINECHECK_CACHE": "off",
        "KINECHECK_CACHE_DIR": str(cache),
        "KINECHECK_DATA_DIR": str(tmp_path / "data"),
    }
    assess = [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "--answers"]
    done = subprocess.run(
        [*assess, str(ROOT / "examples" / "desk-worker.yaml")], env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    answers = "\n".join(["41", "left", "3", "walking", "no", "none", "no", "yes", "none"])
    quiz = subprocess.run(
        [sys.executable, "-m", "kinecheck", "take", "--plain"],
        env=env,
        input=answers + "\n" * 40,
        capture_output=True,
        text=True,
    )
    assert "Question 2" in quiz.stdout  # the quiz ran
    assert not cache.exists() or list(cache.rglob("*")) == []


def test_cache_off_in_the_library(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINECHECK_CACHE", "off")
    api.load("knee-pain")
    assert entries(cache) == []

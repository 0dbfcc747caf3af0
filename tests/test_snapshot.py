"""The snapshot cache of loaded definitions, as a user would notice it.

A second load is answered from the snapshot and gives the same reports; an edited (or broken)
definition file is always seen; the cache is owner-only, can be switched off, may be unwritable,
and a damaged or planted snapshot file is ignored, never trusted and never run.
"""

from __future__ import annotations

import builtins
import json
import os
import pickle
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import probe
from kinecheck import api, snapshot
from kinecheck.errors import DefinitionError
from kinecheck.fileio import write_atomic
from kinecheck.render.jsonout import to_bytes

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "rules" / "cases"
DESK_WORKER = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text(encoding="utf-8"))
CACHE_DIR_ENV, CACHE_ENV = "KINECHECK_CACHE_DIR", "KINECHECK_CACHE"
ASSESS_JSON = ("assess", "knee-pain", "--answers", "examples/desk-worker.yaml", "--format", "json")


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own (not yet created), with the cache switched on."""
    folder = tmp_path / "cache" / "kinecheck"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return folder


@pytest.fixture
def questionnaire(tmp_path: Path) -> Path:
    """A copy of the bundled knee-pain definitions, free to edit (root/questionnaires + rules)."""
    root = tmp_path / "defs"
    (root / "questionnaires").mkdir(parents=True)
    (root / "rules").mkdir()
    shutil.copy(ROOT / "questionnaires" / "knee-pain.yaml", root / "questionnaires")
    shutil.copy(ROOT / "rules" / "knee-pain.yaml", root / "rules")
    shutil.copy(ROOT / "rules" / "exercises.yaml", root / "rules")
    return root / "questionnaires" / "knee-pain.yaml"


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading the definition files fails the test: loads must use the snapshot."""

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the definition files were parsed instead of the snapshot used")

    monkeypatch.setattr(snapshot, "load_definitions", fail)


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def report(defs: api.Definitions, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(to_bytes(api.assess_raw(defs, answers or DESK_WORKER)))
    return result


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def read_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(questionnaire, case name, answers) of every case in rules/cases/*.yaml."""
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += [(data["questionnaire"], c["name"], c.get("answers", {})) for c in data["cases"]]
    return cases


# -- a second load comes from the snapshot, and gives the same reports ------------------------


def test_a_second_load_uses_the_snapshot_and_assesses_every_case_as_a_fresh_load(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = read_cases()
    assert len(cases) >= 30
    names = {q for q, _, _ in cases}
    for name in names:
        api.load(name)  # writes the snapshot
    assert len(snapshots(cache)) == len(names)
    fresh = {name: api.load(name, cache=False) for name in names}
    no_parsing(monkeypatch)
    cached = {name: api.load(name) for name in names}
    different = [
        case
        for q, case, answers in cases
        if to_bytes(api.assess_raw(cached[q], answers))
        != to_bytes(api.assess_raw(fresh[q], answers))
    ]
    assert different == []


def test_conditions_from_the_snapshot_keep_their_source_and_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = api.load("knee-pain", cache=False)
    api.load("knee-pain")
    no_parsing(monkeypatch)
    cached = api.load("knee-pain")
    assert cached.when == fresh.when
    assert cached.findings == fresh.findings
    assert cached.reasons == fresh.reasons
    assert cached.status == fresh.status
    assert cached.variants == fresh.variants


def test_the_snapshot_is_used_for_a_questionnaire_loaded_by_path(
    questionnaire: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = report(api.load(str(questionnaire)))
    no_parsing(monkeypatch)
    assert report(api.load(str(questionnaire))) == first


# -- edited files are always seen -------------------------------------------------------------

EDITS = {
    # file (relative to the definitions root), text in it, replacement, where the report shows it
    "questionnaire": (
        "questionnaires/knee-pain.yaml",
        'version: "1.0.0"',
        'version: "1.0.7"',
        lambda r: r["questionnaire"]["version"] == "1.0.7",
    ),
    "rules": (
        "rules/knee-pain.yaml",
        "title: Limited hip mobility",
        "title: Stiff hips (edited)",
        lambda r: r["findings"][0]["title"] == "Stiff hips (edited)",
    ),
    "disclaimer": (
        "rules/knee-pain.yaml",
        "not medical advice.",
        "not medical advice, edited.",
        lambda r: "not medical advice, edited." in r["disclaimer"],
    ),
    "exercise library": (
        "rules/exercises.yaml",
        "name: Outer-hip ball release (TFL rolling)",
        "name: Edited ball release",
        lambda r: r["plan"][0]["name"] == "Edited ball release",
    ),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_an_edit_after_the_snapshot_was_written_is_seen_on_the_next_load(
    what: str, questionnaire: Path, cache: Path
) -> None:
    relative, old, new, shows = EDITS[what]
    before = report(api.load(str(questionnaire)))
    assert not shows(before)
    edit(questionnaire.parent.parent / relative, old, new)
    after = report(api.load(str(questionnaire)))
    assert shows(after)
    assert after == report(api.load(str(questionnaire), cache=False))
    assert len(snapshots(cache)) == 1  # the stale snapshot was replaced, not kept beside


BREAKS = {
    "questionnaire": ("questionnaires/knee-pain.yaml", "type: single", "type: singel"),
    "rules": ("rules/knee-pain.yaml", "sitting_hours >= 8", "siting_hours >= 8"),
    "exercise library": ("rules/exercises.yaml", "kind: mobility", "kind: mobilty"),
}


@pytest.mark.parametrize("what", list(BREAKS))
def test_a_file_made_invalid_after_the_snapshot_was_written_is_an_error_on_the_next_load(
    what: str, questionnaire: Path
) -> None:
    relative, old, new = BREAKS[what]
    api.load(str(questionnaire))
    edited = questionnaire.parent.parent / relative
    edit(edited, old, new)
    with pytest.raises(DefinitionError) as raised:
        api.load(str(questionnaire))
    assert edited.name in str(raised.value)
    with pytest.raises(DefinitionError):  # and still on the load after that
        api.load(str(questionnaire))


def test_a_rules_file_added_where_it_takes_precedence_is_seen(questionnaire: Path) -> None:
    rules = questionnaire.parent.parent / "rules"
    (rules / "knee-pain.yaml").rename(rules / "knee-pain.yml")
    api.load(str(questionnaire))
    shutil.copy(rules / "knee-pain.yml", rules / "knee-pain.yaml")  # rules/<id>.yaml comes first
    edit(rules / "knee-pain.yaml", "title: Limited hip mobility", "title: From the new file")
    assert report(api.load(str(questionnaire)))["findings"][0]["title"] == "From the new file"


def test_a_broken_file_repaired_loads_again(questionnaire: Path) -> None:
    good = report(api.load(str(questionnaire)))
    rules = questionnaire.parent.parent / "rules" / "knee-pain.yaml"
    edit(rules, "sitting_hours >= 8", "siting_hours >= 8")
    with pytest.raises(DefinitionError):
        api.load(str(questionnaire))
    edit(rules, "siting_hours >= 8", "sitting_hours >= 8")
    assert report(api.load(str(questionnaire))) == good


# -- the cache folder ---------------------------------------------------------------------------


def test_the_snapshot_is_owner_only_and_nothing_else_is_left_in_its_folder(cache: Path) -> None:
    api.load("knee-pain")
    files = snapshots(cache)
    assert [f.suffix for f in files] == [".pickle"]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    api.load("knee-pain")  # a load from the snapshot writes nothing more
    assert snapshots(cache) == files


@pytest.mark.parametrize("value", ["off", "OFF", "0", "no", "false"])
def test_kinecheck_cache_off_writes_nothing(
    value: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, value)
    first = report(api.load("knee-pain"))
    assert report(api.load("knee-pain")) == first
    assert not cache.exists()


def test_kinecheck_cache_off_ignores_an_existing_snapshot(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.load("knee-pain")
    monkeypatch.setenv(CACHE_ENV, "off")
    calls = []
    real = snapshot.load_definitions
    monkeypatch.setattr(snapshot, "load_definitions", lambda *a: calls.append(a) or real(*a))
    api.load("knee-pain")
    assert len(calls) == 1


def test_a_cache_folder_that_cannot_be_made_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(a_file / "kinecheck"))
    expected = report(api.load("knee-pain", cache=False))
    assert report(api.load("knee-pain")) == expected
    assert report(api.load("knee-pain")) == expected
    assert a_file.read_text() == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_still_loads(cache: Path) -> None:
    cache.mkdir(parents=True)
    cache.chmod(0o500)
    try:
        expected = report(api.load("knee-pain", cache=False))
        assert report(api.load("knee-pain")) == expected
        assert snapshots(cache) == []
    finally:
        cache.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_snapshot_in_a_folder_made_read_only_is_still_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = report(api.load("knee-pain"))
    cache.chmod(0o500)
    try:
        no_parsing(monkeypatch)
        assert report(api.load("knee-pain")) == expected
    finally:
        cache.chmod(0o700)


# -- damaged and planted snapshot files ---------------------------------------------------------


def snapshot_file() -> Path:
    """Where the snapshot of the bundled knee-pain definitions is kept."""
    return snapshot.snapshot_path(api.catalog.resolve("knee-pain"), None)


def assert_replaced_by_a_good_snapshot(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    expected = report(api.load("knee-pain", cache=False))
    with monkeypatch.context() as m:
        no_parsing(m)
        assert report(api.load("knee-pain")) == expected
    assert len(snapshots(cache)) == 1


DAMAGE = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "garbage": lambda good: bytes(range(256)) * 16,
    "garbage after a pickle header": lambda good: good[:2] + bytes(range(256)) * 16,
    "a bare pickle without the header": lambda good: snapshot.unseal(good),
    "another kind of pickle": lambda good: snapshot.seal(pickle.dumps({"definitions": "no"})),
    "an unknown format": lambda good: snapshot.seal(pickle.dumps((99, [], None))),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_snapshot_is_ignored_and_replaced(
    damage: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = report(api.load("knee-pain"))
    path = snapshot_file()
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    assert report(api.load("knee-pain")) == expected
    assert_replaced_by_a_good_snapshot(monkeypatch, cache)


def test_a_snapshot_damaged_where_it_still_unpickles_is_not_trusted() -> None:
    expected = report(api.load("knee-pain"))
    path = snapshot_file()
    good = path.read_bytes()
    assert good.count(b"Limited hip mobility") == 1
    path.write_bytes(good.replace(b"Limited hip mobility", b"Limited hip MOBILITY"))
    assert report(api.load("knee-pain")) == expected


def rewrite_definitions(change: Any) -> None:
    """Rewrite the snapshot with `change(fields)` applied to its Definitions' fields."""
    path = snapshot_file()
    fmt, files, defs = pickle.loads(snapshot.unseal(path.read_bytes()) or b"")  # our own
    state = dict(vars(defs))
    change(state)
    other = object.__new__(type(defs))  # as unpickling a Definitions of other fields builds it
    vars(other).update(state)
    path.write_bytes(snapshot.seal(pickle.dumps((fmt, files, other))))


def _rename(old: str, new: str) -> Any:
    return lambda state: state.__setitem__(new, state.pop(old))


OTHER_FIELDS = {
    "no fields at all": lambda state: state.clear(),
    "questionnaire_ref renamed": _rename("questionnaire_ref", "questionnaire_reference"),
    "rules_ref renamed": _rename("rules_ref", "rules_reference"),
    "without variants": lambda state: state.pop("variants"),
    "without findings": lambda state: state.pop("findings"),
}


@pytest.mark.parametrize("change", list(OTHER_FIELDS))
def test_a_snapshot_whose_definitions_have_other_fields_is_ignored_and_replaced(
    change: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = report(api.load("knee-pain"))
    rewrite_definitions(OTHER_FIELDS[change])
    assert report(api.load("knee-pain")) == expected
    assert_replaced_by_a_good_snapshot(monkeypatch, cache)


class _RunsCode:
    """Pickles as a call to `function(*args)`: what a planted snapshot would do."""

    def __init__(self, function: Any, *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.function, self.args


def plant(path: Path, payload: bytes) -> None:
    """Write a pickle as a snapshot with a correct header: only the unpickler can stop it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(snapshot.seal(payload))


def shell_touch(marker: Path) -> str:
    return f"touch {shlex.quote(str(marker))}"


def python_touch(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()"


def _dotted_global_pickle(module: str, dotted_name: str, argument: str) -> bytes:
    """Protocol 4: call `module.<dotted_name>(argument)`, looked up attribute by attribute."""

    def text(s: str) -> bytes:
        return pickle.BINUNICODE + len(s.encode()).to_bytes(4, "little") + s.encode()

    return (
        pickle.PROTO
        + b"\x04"
        + text(module)
        + text(dotted_name)
        + pickle.STACK_GLOBAL
        + text(argument)
        + pickle.TUPLE1
        + pickle.REDUCE
        + pickle.STOP
    )


PLANTED = {
    "os.system": lambda marker: pickle.dumps(_RunsCode(os.system, shell_touch(marker))),
    "builtins.exec": lambda marker: pickle.dumps(_RunsCode(builtins.exec, python_touch(marker))),
    "builtins.eval": lambda marker: pickle.dumps(_RunsCode(builtins.eval, python_touch(marker))),
    "exec inside a good-looking tuple": lambda marker: pickle.dumps(
        (snapshot.FORMAT, [], _RunsCode(builtins.exec, python_touch(marker)))
    ),
    "protocol 0": lambda marker: pickle.dumps(_RunsCode(os.system, shell_touch(marker)), 0),
    "os.system by a dotted name in a kinecheck module": lambda marker: _dotted_global_pickle(
        "kinecheck.snapshot", "os.system", shell_touch(marker)
    ),
    "a kinecheck function that writes files": lambda marker: pickle.dumps(
        _RunsCode(write_atomic, str(marker), b"written")
    ),
}


@pytest.mark.parametrize("planted", list(PLANTED))
def test_a_planted_snapshot_is_never_run_and_is_replaced(
    planted: str, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pwned"
    plant(snapshot_file(), PLANTED[planted](marker))
    expected = report(api.load("knee-pain", cache=False))
    assert report(api.load("knee-pain")) == expected
    assert not marker.exists()
    assert_replaced_by_a_good_snapshot(monkeypatch, cache)


# -- the command line ---------------------------------------------------------------------------


def run_cli(cache: Path, *args: str) -> tuple[str, set[str]]:
    """What `kinecheck ARGS` prints with this cache, and every module it imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("KINECHECK_PATH", "KINECHECK_CACHE")}
    env[CACHE_DIR_ENV] = str(cache)
    return probe.run_cli(*args, env=env)


def test_assess_twice_prints_the_same_report_and_the_second_run_skips_pydantic(
    cache: Path,
) -> None:
    first, first_modules = run_cli(cache, *ASSESS_JSON)
    second, second_modules = run_cli(cache, *ASSESS_JSON)
    assert json.loads(first)["findings"]
    assert second == first
    assert "pydantic" in first_modules  # the first run did parse and validate the files
    assert len(snapshots(cache)) == 1
    assert sorted(m for m in second_modules if m.split(".")[0] == "pydantic") == []


def test_old_snapshots_do_not_pile_up(cache: Path) -> None:
    cache.mkdir(parents=True, mode=0o700)
    for i in range(snapshot.KEEP + 5):  # left by other versions or long-gone files
        old = cache / f"definitions-old{i:02}.pickle"
        old.write_bytes(b"stale")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    api.load("knee-pain")
    kept = snapshots(cache)
    assert len(kept) == snapshot.KEEP
    assert snapshot_file() in kept, "the snapshot just written is kept"
    assert not (cache / "definitions-old00.pickle").exists(), "the oldest go first"


def test_a_cache_folder_others_can_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # say a KINECHECK_CACHE_DIR in a folder everyone writes to
    monkeypatch.setenv(CACHE_DIR_ENV, str(shared))
    expected = report(api.load("knee-pain", cache=False))
    assert report(api.load("knee-pain")) == expected
    assert snapshots(shared) == [], "nothing is written where others could replace it"


def test_a_snapshot_others_can_write_to_is_not_trusted(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = report(api.load("knee-pain"))
    path = snapshot_file()
    path.chmod(0o666)
    with monkeypatch.context() as m:
        calls: list[Path] = []
        real = snapshot.load_definitions
        m.setattr(snapshot, "load_definitions", lambda *a: calls.append(a[0]) or real(*a))
        assert report(api.load("knee-pain")) == expected
        assert calls, "the loose snapshot was read instead of the files"
    assert stat.S_IMODE(snapshot_file().stat().st_mode) == 0o600, "and it was replaced"


def test_without_a_home_folder_the_files_are_loaded_every_time(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (CACHE_DIR_ENV, "XDG_CACHE_HOME")}
    env["HOME"] = "relative/not/a/home"  # what a missing home looks like to expanduser
    env.pop("KINECHECK_DATA_DIR", None)
    args = ["assess", "knee-pain", "--answers", str(ROOT / "examples" / "desk-worker.yaml")]
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", *args],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "What your answers suggest" in done.stdout
    assert list(tmp_path.iterdir()) == [], "no cache folder made in the working directory"


def test_a_planted_snapshot_cannot_rewrite_a_class(cache: Path) -> None:
    from kinecheck.models.exercises import ExerciseLibrary

    by_id = ExerciseLibrary.by_id
    body = (  # BUILD with slot state on the class object: setattr(ExerciseLibrary, 'by_id', dict)
        b"\x80\x04"
        b"ckinecheck.models.exercises\nExerciseLibrary\n"
        b"N}X\x05\x00\x00\x00by_idcbuiltins\ndict\ns\x86b0"
        b"K\x01]N\x87."
    )
    plant(snapshot_file(), body)
    expected = report(api.load("knee-pain", cache=False))
    assert report(api.load("knee-pain")) == expected
    assert ExerciseLibrary.by_id is by_id


def test_every_class_a_snapshot_may_build_refuses_to_be_rebuilt_as_a_class() -> None:
    allowed = snapshot._allowed()
    assert {name for _, name in allowed} >= {"Definitions", "Questionnaire", "Symbol"}
    for cls in allowed.values():
        with pytest.raises(TypeError):
            cls.__setstate__({"by_id": dict})  # what BUILD does with a class object

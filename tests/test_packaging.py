"""The wheel is complete: installed into a fresh environment, `kinecheck` works from any folder."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


def build_wheel(out: Path) -> Path:
    """Build the wheel with pip; without network when hatchling is already installed."""
    args: list[str | Path] = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out]
    if importlib.util.find_spec("hatchling") is not None:
        args.append("--no-build-isolation")
    _run([*args, ROOT], cwd=out)
    (wheel,) = out.glob("kinecheck-*.whl")
    return wheel


def fresh_venv(where: Path, wheel: Path) -> Path:
    """A new environment with only the wheel installed; its dependencies are borrowed from
    this environment (a .pth file) so that no download is needed."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        cwd=where,
    )
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], where
        ).strip()
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return where / "bin"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout differs on Windows")
def test_the_installed_wheel_works_from_any_folder(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = build_wheel(dist)

    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("questionnaires", "rules")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
    )
    assert "questionnaires/knee-pain.yaml" in shipped
    for rel in shipped:
        assert f"kinecheck/bundled/{rel}" in names, f"{rel} is missing from the wheel"
    assert "kinecheck/cli/__init__.py" in names
    assert any(n.endswith(".dist-info/entry_points.txt") for n in names)

    bin_dir = fresh_venv(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    answers = elsewhere / "answers.yaml"
    shutil.copy(ROOT / "examples" / "desk-worker.yaml", answers)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KINECHECK_PATH", "PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    where = _run(
        [
            bin_dir / "python",
            "-c",
            "import kinecheck.definitions.catalog as c; print(c.bundled_root())",
        ],
        elsewhere,
        env,
    ).strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), "the installed copy is the one used"

    kinecheck = bin_dir / "kinecheck"
    listed = _run([kinecheck, "list"], elsewhere, env)
    assert listed.split()[:2] == ["knee-pain", "1.0.1"]

    report = json.loads(
        _run(
            [kinecheck, "assess", "knee-pain", "--answers", answers, "--format", "json"],
            elsewhere,
            env,
        )
    )
    assert report["schema_version"] == 1
    assert report["questionnaire"]["id"] == "knee-pain"
    assert {f["id"] for f in report["findings"]} == {"hip_immobility", "ankle_immobility"}
    assert report["plan_status"] == "ready"
    assert report["plan"], "the exercise library ships too"

    validated = _run([kinecheck, "validate"], elsewhere, env)
    assert validated.splitlines()[-1] == "all 1 file valid"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["answers.yaml"], "nothing written"

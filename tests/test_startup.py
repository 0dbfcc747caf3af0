"""Start-up stays light: what `kinecheck --help` (and `assess`) must not import.

A structural test, not a timing test: it runs the CLI in a fresh interpreter and looks at
`sys.modules` afterwards. The timings themselves are in benchmarks/bench_startup.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from probe import run_cli

ROOT = Path(__file__).resolve().parent.parent

# The prompting UI and the storage layer: only `take` and the clinic commands need them.
UI_AND_STORAGE = (
    "questionary",
    "prompt_toolkit",
    "sqlite3",
    "_sqlite3",
    "kinecheck.quiz.prompting",
    "kinecheck.quiz.sessions",
    "kinecheck.clinic",
)
# What help does not need either; importing any of them puts `--help` past 10x `python -c pass`.
HEAVY_FOR_HELP = ("pydantic", "yaml", "rich", "markdown_it", "pygments", "orjson", "kinecheck.api")


def modules_after(*args: str) -> set[str]:
    """Every module imported by `kinecheck ARGS` run to completion in a fresh interpreter."""
    return run_cli(*args)[1]


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The modules of `modules` that are one of `names` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("args", [("--help",), ("-h",), (), ("--version",)])
def test_help_imports_no_ui_and_no_storage(args: tuple[str, ...]) -> None:
    assert imported(modules_after(*args), UI_AND_STORAGE) == []


@pytest.mark.parametrize("args", [("--help",), ("-h",)])
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    # (`kinecheck` alone also prints the help, but typer coerces the root's --version flag
    # through pydantic first, so only the help options are held to this.)
    assert imported(modules_after(*args), HEAVY_FOR_HELP) == []


def test_help_lists_the_clinic_without_loading_its_commands() -> None:
    output, modules = run_cli("--help")
    assert "clinic     Clinic records for professionals" in output
    assert imported(modules, ("kinecheck.cli.clinic", "sqlalchemy")) == []


def test_the_clinic_help_loads_the_clinic_commands_but_no_database() -> None:
    output, modules = run_cli("clinic", "--help")
    for command in ("client", "intake", "sessions", "report", "compare", "progress", "audit"):
        assert f"  {command} " in output
    assert "kinecheck.cli.clinic_intake" in modules
    assert "completion" not in output  # built on its own, it keeps the root's settings
    assert imported(modules, ("sqlalchemy", "kinecheck.clinic")) == []


@pytest.mark.parametrize(
    "args",
    [
        ("assess", "--help"),
        ("assess", "knee-pain", "--answers", "examples/desk-worker.yaml", "--format", "json"),
        ("assess", "knee-pain", "--answers", "examples/desk-worker.yaml", "--format", "text"),
    ],
)
def test_assess_imports_no_ui_and_no_storage(args: tuple[str, ...]) -> None:
    assert imported(modules_after(*args), UI_AND_STORAGE) == []


@pytest.mark.parametrize("output", ["text", "json"])
def test_assess_from_a_warm_cache_imports_no_pydantic(output: str) -> None:
    args = ("assess", "knee-pain", "--answers", "examples/desk-worker.yaml", "--format", output)
    modules_after(*args)  # the first run writes the definitions cache
    assert imported(modules_after(*args), ("pydantic", "pydantic_core")) == []


def test_the_first_quiz_question_needs_no_pydantic_yaml_or_report_model(tmp_path: Path) -> None:
    """What `take` loads before its first question, with the definitions cache warm."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kinecheck.cli import take\n"
        "from kinecheck.quiz import taking\n"
        "from kinecheck.quiz.prompting import TerminalAsker\n"
        "from kinecheck import api\n"
        "api.load('knee-pain')\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "KINECHECK_CACHE_DIR": str(tmp_path)}
    env.pop("KINECHECK_CACHE", None)
    run = [sys.executable, "-c", code]
    subprocess.run(run, env=env, check=True, capture_output=True)  # writes the cache
    modules = set(
        subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout.split()
    )
    assert (
        imported(modules, ("pydantic", "pydantic_core", "yaml", "kinecheck.scoring.report")) == []
    )


def test_the_command_line_still_collects_garbage_cycles() -> None:
    """Start-up collects in larger steps (cli.GC_STEP) and freezes at the end: cycles made
    after a command still go, so a long batch or quiz does not keep its garbage."""
    import subprocess
    import sys

    code = (
        "import gc, sys, weakref\n"
        "sys.argv = ['kinecheck', '--version']\n"
        "from kinecheck.cli import GC_STEP, main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "class Node:\n"
        "    pass\n"
        "node = Node(); node.me = node; gone = weakref.ref(node); del node\n"
        "keep = [[] for _ in range(3 * GC_STEP)]  # new objects: the collector must run\n"
        "print('collected' if gone() is None else 'kept')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "collected"

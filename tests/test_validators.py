"""kinecheck builds pydantic's validators without pydantic's plugin lookup, and nothing changes.

`kinecheck.definitions.validators` answers pydantic's plugin lookup with "no plugins" while it
builds a validator, which spares a first command from importing importlib.metadata and
scanning every installed package (benchmarks/bench_startup.py). These tests hold what that
must never cost: the same reports, pydantic's own lookup for everyone else, and a plain build
when a pydantic release needs more of its lookup module.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from probe import run_cli

ROOT = Path(__file__).resolve().parent.parent
ASSESS = ("assess", "knee-pain", "--answers", "examples/desk-worker.yaml")
NO_CACHE = {**os.environ, "KINECHECK_CACHE": "off"}


def run_python(code: str) -> str:
    """Standard output of `code` run in a fresh interpreter from the project root."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=NO_CACHE,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_first_assess_never_looks_up_pydantic_plugins() -> None:
    output, modules = run_cli(*ASSESS, "--format", "json", env=NO_CACHE)
    assert '"schema_version": 1' in output
    assert "pydantic_core" in modules  # it did validate the files with pydantic
    assert "importlib.metadata" not in modules
    assert "pydantic.plugin._loader" not in modules  # and left no stand-in behind


def test_the_reports_are_the_same_as_with_pydantics_own_plugin_lookup() -> None:
    for fmt in ("json", "text"):
        ours, _ = run_cli(*ASSESS, "--format", fmt, env=NO_CACHE)
        ordinary = run_python(
            f"""
            import sys
            import pydantic.plugin._loader  # pydantic's own lookup, loaded first
            sys.argv = ["kinecheck", *{list(ASSESS)!r}, "--format", {fmt!r}]
            from kinecheck.cli import main
            try:
                main()
            except SystemExit:
                pass
            """
        )
        assert ours == ordinary
        assert ("hip" in ours.lower()) and ("not medical advice" in ours.lower())


def test_other_code_in_the_process_still_gets_pydantics_plugin_lookup() -> None:
    printed = run_python(
        """
        from kinecheck.definitions.questionnaire import Questionnaire
        from kinecheck.definitions.validators import validator
        validator(Questionnaire)
        import pydantic.plugin._loader as lookup
        print(lookup.get_plugins.__module__, hasattr(lookup, "entry_points"))
        """
    )
    assert printed.split() == ["pydantic.plugin._loader", "True"]


def test_a_pydantic_that_needs_more_of_its_lookup_gets_an_ordinary_validator() -> None:
    """A stand-in without `get_plugins` (as if pydantic wanted more): built the usual way."""
    printed = run_python(
        """
        import sys, types
        from pydantic import ValidationError
        from kinecheck.definitions import validators
        from kinecheck.definitions.rules import RuleSet
        validators._NO_PLUGINS = types.ModuleType(validators.PLUGIN_LOOKUP)
        adapter = validators.validator(RuleSet)
        try:
            adapter.validate_python({"id": "x", "version": "1", "questionnaire": "q",
                                     "unknown_field": 1})
        except ValidationError as exc:
            print("refused", exc.error_count())
        print(type(sys.modules[validators.PLUGIN_LOOKUP].get_plugins).__name__)
        """
    )
    refused, lookup = printed.splitlines()
    assert refused.startswith("refused ") and int(refused.split()[1]) >= 1
    assert lookup == "function"  # pydantic's real lookup, imported by the ordinary build


def test_a_validator_is_built_once_per_process() -> None:
    from kinecheck.definitions.exercises import ExerciseLibrary
    from kinecheck.definitions.validators import validator

    assert validator(ExerciseLibrary) is validator(ExerciseLibrary)

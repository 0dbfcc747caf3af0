"""The library API the CLI (and clinics' own scripts) call: load, check, assess.

The report model and the assessment are imported when first used, not with this module: the
quiz imports the API to load its questions, and its first question comes that much sooner.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinecheck.definitions import catalog
from kinecheck.definitions.compiled import Definitions
from kinecheck.definitions.defaults import default_questionnaire
from kinecheck.definitions.loading import load_definitions
from kinecheck.scoring.answers import AnswerValidator, Checked

if TYPE_CHECKING:
    from kinecheck.scoring.report import Report

__all__ = ["Checked", "Definitions", "Report", "assess", "assess_raw", "check_answers", "load"]


def __getattr__(name: str) -> Any:
    if name == "Report":
        from kinecheck.scoring.report import Report

        return Report
    raise AttributeError(f"module 'kinecheck.api' has no attribute '{name}'")


def load(name: str | None = None, rules: Path | None = None, *, cache: bool = True) -> Definitions:
    """Load a questionnaire by id or path (default: the bundled one), its rules and library.

    `cache=False` reads and validates the files even when the definitions cache could answer
    (`kinecheck.definitions.cache`); the result is the same either way.
    """
    chosen = default_questionnaire() if name is None else name
    return load_definitions(catalog.resolve(chosen), rules, cache=cache)


def check_answers(defs: Definitions, raw: Any, *, partial: bool = False) -> Checked:
    """Validate raw answers (as read from a file); raises AnswersError listing every problem."""
    return AnswerValidator(defs).validate(raw, partial=partial)


def assess(defs: Definitions, answers: Mapping[str, Any]) -> Report:
    """Checked answers -> Report (`kinecheck.scoring.assess.assess`)."""
    from kinecheck.scoring.assess import assess as assess_checked

    return assess_checked(defs, answers)


def assess_raw(defs: Definitions, raw: Any) -> Report:
    """Validate raw answers and assess them in one step."""
    return assess(defs, check_answers(defs, raw).answers)

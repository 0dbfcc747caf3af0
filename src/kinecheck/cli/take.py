"""`kinecheck take`: the interactive quiz (a placeholder until the quiz lands)."""

from __future__ import annotations

import typer

from kinecheck.cli.common import fail, friendly_errors


@friendly_errors
def take(
    questionnaire: str = typer.Argument("knee-pain", help="Questionnaire id or path."),
) -> None:
    """Answer a questionnaire interactively, then see your report."""
    fail("the interactive quiz is not ready yet; use `kinecheck assess --answers FILE`")

"""`kinecheck schema`: JSON Schemas of the report and of answers files (made in render.schemas)."""

from __future__ import annotations

from typing import Any

import typer

from kinecheck.cli.common import Command, friendly_errors

app = typer.Typer(
    name="schema",
    short_help="Print the JSON Schema of the report, or of one questionnaire's answers file.",
    help=(
        "Print a JSON Schema (draft 2020-12), generated from kinecheck's models: of the JSON "
        "report, or of the answers file of one questionnaire.\n\n"
        "Use it to check reports or answers files in your own tools, or to get completion and "
        "checks while writing an answers file in an editor that reads JSON Schemas."
    ),
    epilog=(
        "Examples:\n\n"
        "\b\n"
        "  kinecheck schema report > report.schema.json\n"
        "  kinecheck schema answers QUESTIONNAIRE > answers.schema.json\n\n"
        "Run `kinecheck schema COMMAND --help` for more, with examples."
    ),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _print(schema: dict[str, Any]) -> None:
    import json

    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@app.command("report", cls=Command)
@friendly_errors
def report() -> None:
    """Print the JSON Schema of the JSON report (schema_version 1).

    The report is what `kinecheck assess --format json` prints, and each scored line of a JSON
    Lines batch. Every field is always present; fields may be added later within
    schema_version 1, so the schema allows fields it does not list.

    Example (checking a report with check-jsonschema, from PyPI):

      kinecheck schema report > report.schema.json

      kinecheck assess QUESTIONNAIRE -a answers.yaml -f json -o report.json

      check-jsonschema --schemafile report.schema.json report.json
    """
    from kinecheck.render.schemas import report_schema

    _print(report_schema())


@app.command("answers", cls=Command)
@friendly_errors
def answers(
    questionnaire: str = typer.Argument(
        ...,
        metavar="QUESTIONNAIRE",
        help="Questionnaire id (see `kinecheck list`) or the path of its YAML file.",
        show_default=False,
    ),
) -> None:
    """Print the JSON Schema of an answers file for QUESTIONNAIRE.

    Each question id is a property, with the values kinecheck accepts for it (choice ids, a
    number in range, yes/no/not_sure, ...) and the question's text as its description.
    Questions that are always asked, and not optional, are required; a question asked only
    when an earlier answer calls for it is not, and its description says when it is asked.
    `kinecheck assess` still checks those conditions.

    Example (a schema for your editor or for check-jsonschema, from PyPI):

      kinecheck schema answers QUESTIONNAIRE > answers.schema.json

      check-jsonschema --schemafile answers.schema.json answers.yaml
    """
    from kinecheck import api
    from kinecheck.render.schemas import answers_schema

    _print(answers_schema(api.load(questionnaire)))

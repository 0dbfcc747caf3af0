"""The report formats, by name and file suffix: the one table every command reads.

Light on purpose (no imports): the CLI reads it to build `--format` choices before anything
heavy is loaded.
"""

from __future__ import annotations

from kinecheck.records import Record, record


@record
class OutputFormat(Record):
    """One way to write a report."""

    name: str  # as `--format` takes it
    title: str  # as the quiz's save menu shows it
    suffixes: tuple[str, ...]  # file endings that pick this format; the first is the default

    @property
    def suffix(self) -> str:
        """The ending of a file saved in this format."""
        return self.suffixes[0]


FORMATS = (
    OutputFormat("text", "Plain text", (".txt",)),
    OutputFormat("json", "JSON", (".json",)),
    OutputFormat("markdown", "Markdown", (".md", ".markdown")),
    OutputFormat("html", "HTML", (".html", ".htm")),
)
BY_NAME = {f.name: f for f in FORMATS}
FORMAT_BY_SUFFIX = {suffix: f.name for f in FORMATS for suffix in f.suffixes}
"""The format a file gets from its name (`take --save`), e.g. '.md' -> 'markdown'."""
SAVE_FORMATS = (BY_NAME["markdown"], BY_NAME["html"], BY_NAME["json"])
"""What the quiz offers to save after the report (the text is already on the screen)."""
JSON_LINES = "jsonl"  # `assess --format jsonl`: JSON Lines in, one compact report per line out

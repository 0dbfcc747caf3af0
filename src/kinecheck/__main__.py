"""`python -m kinecheck` runs the CLI."""

from kinecheck.cli import app

app(prog_name="kinecheck")

"""`python -m kinecheck` runs the CLI."""

from kinecheck.cli import main

main()

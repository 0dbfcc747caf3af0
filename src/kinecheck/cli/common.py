"""What every command shares: turning errors into messages and exit codes, never tracebacks."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand

from kinecheck.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK

F = TypeVar("F", bound=Callable[..., Any])


def err(message: str) -> None:
    """Print a line to standard error."""
    sys.stderr.write(message.rstrip("\n") + "\n")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print an error and exit with `code`."""
    err(message)
    raise typer.Exit(code)


def friendly_errors(func: F) -> F:
    """Map kinecheck's user errors to exit 2 with every problem listed, and Ctrl-C to 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kinecheck.errors import AnswersError, DefinitionError, KinecheckError

        try:
            return func(*args, **kwargs)
        except AnswersError as exc:
            count = len(exc.problems)
            err(
                f"error: {count} problem{'s' if count != 1 else ''} with the answers"
                + (f" in {exc.source}" if exc.source else "")
                + ":"
            )
            # in the order of the file (problems without a line, e.g. missing answers, last)
            by_line = sorted(exc.problems, key=lambda p: (p.line is None, p.line or 0))
            for answer_problem in by_line:
                where = ""
                if answer_problem.line is not None:
                    where = (
                        f"{exc.source}:{answer_problem.line}: "
                        if exc.source and exc.source != "standard input"
                        else f"line {answer_problem.line}: "
                    )
                err(f"  {where}{answer_problem}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except DefinitionError as exc:
            err("error: the definitions are invalid:")
            for p in exc.problems:
                err(f"  {p}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KinecheckError as exc:
            fail(f"error: {exc}")
        except KeyboardInterrupt:
            err("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:  # e.g. --output in a folder that cannot be created or written
            where = f"{exc.filename}: " if exc.filename else ""
            reason = (exc.strerror or str(exc)).lower()
            if isinstance(exc, FileExistsError | NotADirectoryError):
                reason = "is a file, not a folder"
            fail(f"error: {where}{reason}")

    return wrapper  # type: ignore[return-value]


class Command(TyperCommand):
    """A command whose usage line writes required arguments as people do: `QUESTIONNAIRE`.

    typer writes them in braces (`kinecheck assess [OPTIONS] {QUESTIONNAIRE}`), which reads
    like a choice to type literally.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage pieces without typer's braces."""
        return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]


# The first line of `kinecheck clinic --help`, also shown by `kinecheck --help`, which lists the
# clinic commands without loading them (kinecheck.cli.LazyRoot).
CLINIC_SUMMARY = (
    "Clinic records for professionals: clients, intake sessions saved answer by answer, "
    "reports to hand over, re-assessment and the audit log."
)


class TextOrJson(StrEnum):
    """--format of the commands that print for people (text) or for scripts and editors (json)."""

    text = "text"
    json = "json"

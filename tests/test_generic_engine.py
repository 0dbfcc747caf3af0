"""The engine holds no clinical content: no knee, hip or ankle word in src/ outside prose.

Questionnaires, rules, headings and messages come from the definitions (issue #10), so the
code must not name a body part: not in a string a user could see, not in a name. Comments
and docstrings may (they explain, and the help of a command is written for people to read
about the bundled questionnaire); every other string and every name may not. Read with
`tokenize`, so a word inside an identifier (`knee_side`) is found and `membership` is not.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "src").rglob("*.py"))
WORDS = re.compile(r"(?<![a-z])(knee|knees|hip|hips|ankle|ankles)(?![a-z])", re.IGNORECASE)
# Files another engineer is editing under issue #9; the line each still holds is named, and
# the marker turns into a failure (strict xfail) once the line is gone, to be dropped then.
PENDING: dict[str, str] = {}  # files allowed to fail for now, with why (none today)


def docstring_starts(source: str) -> set[tuple[int, int]]:
    """Where the docstrings of the module, its classes and functions start (row, column)."""
    import ast

    starts: set[tuple[int, int]] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            value = first.value if isinstance(first, ast.Expr) else None
            if (
                first is not None
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                starts.add((first.lineno, first.col_offset))
    return starts


def clinical_words(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line: word` for every knee, hip or ankle word in a name or a non-doc string."""
    source = path.read_text(encoding="utf-8")
    docs = docstring_starts(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and token.start in docs:
            continue
        if token.type in (tokenize.STRING, tokenize.NAME) or token.type == getattr(
            tokenize, "FSTRING_MIDDLE", -1
        ):
            # split names on underscores, so knee_side is caught and membership is not
            for word in WORDS.findall(token.string.replace("_", " ")):
                found.append(f"{path.relative_to(root)}:{token.start[0]}: {word}")
    return found


def _param(path: Path) -> object:
    name = str(path.relative_to(ROOT))
    if name in PENDING:
        return pytest.param(
            path, id=name, marks=pytest.mark.xfail(strict=True, reason=PENDING[name])
        )
    return pytest.param(path, id=name)


@pytest.mark.parametrize("path", [_param(p) for p in SOURCES])
def test_no_clinical_words_in_the_engine(path: Path) -> None:
    assert clinical_words(path) == []


def test_the_check_finds_words_in_strings_and_names(tmp_path: Path) -> None:
    """The test itself: it sees through names and strings, and lets prose be."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A module about the knee."""\n'
        "# the hip, in a comment\n"
        "knee_side = 1\n"
        "membership = 'Hips and ankles'\n"
        "def f() -> None:\n"
        '    """The ankle, in a docstring."""\n'
    )
    found = clinical_words(sample, tmp_path)
    assert [w.split(": ")[1] for w in found] == ["knee", "Hips", "ankles"], found

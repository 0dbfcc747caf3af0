"""Files people keep: `assess --output`, `take --save` and the quiz's save menu.

Nothing is replaced without `--force` or a yes, no folder is created, the suffix picks the
format, the menu's default name carries the date, and nothing is ever left half-written.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinecheck import api, fileio
from kinecheck.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kinecheck.quiz import taking
from kinecheck.quiz.asking import Check, Intro, Prompt, ReviewRow, SaveChoice
from test_cli import DESK_WORKER, cli
from test_take_matches_assess import DEFS, asked_in_order, plain_line

TODAY = date.today().isoformat()


@pytest.fixture(autouse=True)
def _own_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative names land in tmp_path; saved sessions stay out of the user's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KINECHECK_DATA_DIR", str(tmp_path / "data"))


def assess(*args: str) -> Any:
    return cli("assess", "knee-pain", "-a", str(DESK_WORKER), *args)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- assess --output: the suffix picks the format ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("r.html", "<!doctype html>"),
        ("r.htm", "<!doctype html>"),
        ("r.md", "# Your knee-pain self-check"),
        ("r.markdown", "# Your knee-pain self-check"),
        ("r.json", '{\n  "schema_version": 1'),
        ("r.txt", "What your answers suggest"),
        ("r.out", "What your answers suggest"),  # an unknown suffix keeps the text report
        ("report", "What your answers suggest"),
    ],
)
def test_output_suffix_picks_the_format(tmp_path: Path, name: str, starts: str) -> None:
    result = assess("-o", name)
    assert result.code == 0, result
    assert (tmp_path / name).read_text().startswith(starts)
    assert mode(tmp_path / name) == 0o600


def test_an_explicit_format_that_agrees_with_the_suffix_is_fine(tmp_path: Path) -> None:
    result = assess("-f", "markdown", "-o", "r.markdown")
    assert result.code == 0, result
    assert (tmp_path / "r.markdown").read_text().startswith("# ")
    result = assess("-f", "json", "-o", "r.data")  # --format names the format of any name
    assert result.code == 0, result
    assert json.loads((tmp_path / "r.data").read_text())["schema_version"] == 1


@pytest.mark.parametrize(
    ("fmt", "name", "named"),
    [("json", "r.html", "html"), ("text", "r.md", "markdown"), ("html", "r.json", "json")],
)
def test_a_suffix_that_contradicts_format_is_an_error(
    tmp_path: Path, fmt: str, name: str, named: str
) -> None:
    result = assess("--format", fmt, "-o", name)
    assert result.code == EXIT_BAD_INPUT
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line
    assert f"--format {fmt}" in line and name in line and named in line
    assert list(tmp_path.iterdir()) == []


def test_assess_help_says_the_suffix_picks_the_format() -> None:
    text = " ".join(cli("assess", "--help").stdout.split())
    assert "--force" in text
    assert "suffix" in text


# -- assess --output: existing files and missing folders --------------------------------------


def test_output_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("the report I keep")
    result = assess("-o", str(target))
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == f"error: {target} already exists; use --force to replace it\n"
    assert target.read_text() == "the report I keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_output_with_force_replaces_the_file_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o644)
    result = assess("-o", str(target), "--force")
    assert result.code == 0, result
    assert json.loads(target.read_text())["schema_version"] == 1
    assert mode(target) == 0o600


def test_output_in_a_missing_folder_is_an_error_that_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "2026"
    result = assess("-o", str(folder / "r.json"))
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == (
        f"error: {folder / 'r.json'}: the folder {folder} does not exist "
        "(kinecheck does not create folders)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_batch_keeps_json_lines_whatever_the_output_suffix(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    one = json.dumps(yaml.safe_load(DESK_WORKER.read_text()))
    batch.write_text(one + "\n" + one + "\n")
    target = tmp_path / "out.json"
    result = cli("assess", "knee-pain", "-a", str(batch), "-o", str(target))
    assert result.code == 0, result
    lines = target.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["schema_version"] == 1 for x in lines)
    assert mode(target) == 0o600

    again = cli("assess", "knee-pain", "-a", str(batch), "-o", str(target))
    assert again.code == EXIT_BAD_INPUT
    assert "--force" in again.stderr
    forced = cli("assess", "knee-pain", "-a", str(batch), "-o", str(target), "--force")
    assert forced.code == 0, forced

    missing = cli("assess", "knee-pain", "-a", str(batch), "-o", str(tmp_path / "no" / "x"))
    assert missing.code == EXIT_BAD_INPUT
    assert f"the folder {tmp_path / 'no'} does not exist" in missing.stderr
    assert not (tmp_path / "no").exists()


# -- take --save ------------------------------------------------------------------------------


def plain_answers() -> str:
    answers = api.check_answers(DEFS, yaml.safe_load(DESK_WORKER.read_text())).answers
    full = {q: answers.get(q) for q in DEFS.questions}
    return "\n".join(plain_line(q, full[q]) for q in asked_in_order(full)) + "\n\n"


def test_take_save_refuses_an_existing_file_before_any_question(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("mine")
    result = cli("take", "--plain", "--save", "r.md", stdin=plain_answers())
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == "error: r.md already exists; use --force to replace it\n"
    assert "Question" not in result.stdout
    assert (tmp_path / "r.md").read_text() == "mine"


def test_take_save_with_force_replaces_the_file(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("mine")
    result = cli("take", "--plain", "--save", "r.md", "--force", stdin=plain_answers())
    assert result.code == 0, result
    assert (tmp_path / "r.md").read_text().startswith("# ")
    assert mode(tmp_path / "r.md") == 0o600


def test_take_save_in_a_missing_folder_is_refused_before_any_question(tmp_path: Path) -> None:
    result = cli("take", "--plain", "--save", "out/r.md", stdin=plain_answers())
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == (
        "error: out/r.md: the folder out does not exist (kinecheck does not create folders)\n"
    )
    assert "Question" not in result.stdout
    assert not (tmp_path / "out").exists()


def test_force_without_a_file_is_a_usage_error() -> None:
    result = cli("take", "--plain", "--force", stdin="")
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == "error: --force only applies to --save PATH\n"
    result = assess("--force")
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr == "error: --force only applies to --output PATH\n"


def test_the_plain_save_menu_suggests_a_dated_name(tmp_path: Path) -> None:
    result = cli("take", "--plain", stdin=plain_answers() + "2\n\n")
    assert result.code == 0, result
    saved = tmp_path / f"knee-pain-report-{TODAY}.md"
    assert f"press Enter for knee-pain-report-{TODAY}.md" in result.stdout
    assert saved.read_text().startswith("# ")
    assert mode(saved) == 0o600


# -- the quiz's save menu ---------------------------------------------------------------------


class Menu:
    """A front end whose save menu gives scripted choices (and that cannot ask yes or no)."""

    def __init__(self, *choices: SaveChoice | None) -> None:
        self.choices: Iterator[SaveChoice | None] = iter(choices)
        self.stems: list[str] = []
        self.said: list[str] = []

    def start(self, intro: Intro) -> None:
        pass

    def say(self, text: str) -> None:
        self.said.append(text)

    def ask(self, prompt: Prompt, check: Check) -> Any:
        raise AssertionError("no question is asked when saving")

    def review(self, rows: list[ReviewRow]) -> str | None:
        return None

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        self.stems.append(default_stem)
        return next(self.choices, None)

    def confirm_overwrite(self, path: str) -> bool:
        raise AssertionError(f"asked to replace {path}, which should not exist")


class Confirming(Menu):
    """A front end that asks before a file is replaced."""

    def __init__(self, replies: list[bool], *choices: SaveChoice | None) -> None:
        super().__init__(*choices)
        self.replies = iter(replies)
        self.confirmed: list[str] = []

    def confirm_overwrite(self, path: str) -> bool:
        self.confirmed.append(path)
        return next(self.replies)


@pytest.fixture(scope="module")
def report() -> Any:
    return api.assess_raw(DEFS, yaml.safe_load(DESK_WORKER.read_text()))


def save(report: Any, asker: Menu) -> int:
    return taking.save_report(report, taking.Options("knee-pain"), None, asker)


def test_the_default_name_carries_the_date(report: Any) -> None:
    asker = Menu(None)
    assert save(report, asker) == EXIT_OK
    assert asker.stems == [f"knee-pain-report-{TODAY}"]


def test_the_menu_replaces_a_file_after_a_yes(report: Any, tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("mine")
    asker = Confirming([True], SaveChoice("markdown", "r.md"))
    assert save(report, asker) == EXIT_OK
    assert asker.confirmed == ["r.md"]
    assert (tmp_path / "r.md").read_text().startswith("# ")
    assert mode(tmp_path / "r.md") == 0o600


def test_after_a_no_the_menu_is_offered_again_with_a_free_name(report: Any, tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("mine")
    asker = Confirming([False], SaveChoice("markdown", "r.md"), None)
    assert save(report, asker) == EXIT_OK
    assert asker.stems == [f"knee-pain-report-{TODAY}", "r (2)"]
    assert asker.said == ["r.md is kept. Choose another name, or No."]
    assert (tmp_path / "r.md").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


def test_a_missing_folder_in_the_menu_is_named_and_offered_again(
    report: Any, tmp_path: Path
) -> None:
    asker = Menu(SaveChoice("html", "nowhere/r.html"), SaveChoice("html", "r.html"))
    assert save(report, asker) == EXIT_OK
    assert any("the folder nowhere does not exist" in line for line in asker.said)
    assert not (tmp_path / "nowhere").exists()
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")


# -- fileio: the guarantees underneath --------------------------------------------------------


def test_a_missing_folder_is_never_created(tmp_path: Path) -> None:
    with pytest.raises(fileio.FolderMissing) as caught:
        fileio.write_atomic(tmp_path / "a" / "b.json", "{}")
    assert isinstance(caught.value, InputError)
    assert not (tmp_path / "a").exists()


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    with pytest.raises(fileio.FileExists), fileio.atomic_writer(target, replace=False) as handle:
        handle.write(b"new")
        target.write_text("someone else's")
    assert target.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), fileio.atomic_writer(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_new_file_is_written_owner_only_without_replace(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    fileio.write_atomic(target, "{}", replace=False)
    assert target.read_text() == "{}"
    assert mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]

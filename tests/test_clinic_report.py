"""`kinecheck clinic report`: the handover in text, Markdown, HTML and JSON, on both databases.

A client seen twice (a first assessment, then a re-assessment with less pain), the clinician's
note and override on the second session: every format carries the header, the clinician's
part beside the computed result, and the change since the first session. The JSON's report
is the contract report `kinecheck assess` gives for the same answers.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from kinecheck.clinic import sessions
from kinecheck.clinic.handover import gather
from kinecheck.clinic.notes import add_note, add_override
from kinecheck.clinic.store import open_store
from kinecheck.clinic.tables import Result
from kinecheck.render.handover import day, moment
from test_clinic_sessions import (
    BORN,
    CLINICIAN,
    DESK_WORKER,
    LATER,
    NAME,
    ROOT,
    add_client,
    add_session,
    audit_entries,
    kc,
)

NOTE = "Stairs easier since the new desk; squats still guarded"
REASON = "Thomas test normal on the bench today"


@dataclass
class Seen:
    """A client assessed twice, with a note and an override on the second session."""

    url: str
    client: int
    first: int
    second: int
    first_finished: datetime
    second_finished: datetime


@pytest.fixture
def seen(db_url: str) -> Seen:
    client = add_client(db_url)
    first = add_session(db_url, client, DESK_WORKER)
    second = add_session(db_url, client, LATER)
    with open_store(db_url, "Jo") as store, store.transaction() as db:
        later = sessions.get_session(db, second)
        add_note(db, store.actor, later, NOTE)
        add_override(db, store.actor, later, "hip_immobility", "likely", REASON)
        finished = [sessions.get_session(db, s).finished_at for s in (first, second)]
    assert finished[0] is not None and finished[1] is not None
    return Seen(db_url, client, first, second, finished[0], finished[1])


def assess_json(answers: dict[str, object], tmp_path: Path) -> object:
    """`kinecheck assess knee-pain --format json` of these answers, parsed."""
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers))
    done = subprocess.run(
        [sys.executable, "-m", "kinecheck", "assess", "knee-pain", "-a", str(path), "-f", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KINECHECK_PATH": ""},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Checker(HTMLParser):
    """Fails on a closing tag that closes nothing open (what a browser would silently fix)."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.style += data
        else:
            self.text.append(data)


FORMATS = ("text", "markdown", "html")
BESIDE = {  # an override's row: the finding, the level the rules computed, the clinician's
    "text": "Limited hip mobility Computed by the rules: possible Clinician's level: likely",
    "markdown": "| Limited hip mobility | possible | **likely** |",
    "html": "Limited hip mobility possible likely",
}


def plain(text: str) -> str:
    """Text with its whitespace (line wrapping, table padding) made single spaces."""
    return " ".join(text.split())


# -- every format ----------------------------------------------------------------------------
def test_the_report_carries_header_clinicians_part_and_change(seen: Seen) -> None:
    shown = {fmt: kc(seen.url, "report", str(seen.second), "-f", fmt) for fmt in FORMATS}

    for fmt, run in shown.items():
        assert run.code == 0, run
        out = run.stdout
        if fmt == "html":
            checker = Checker()
            checker.feed(out)
            checker.close()
            assert checker.open == [], "every element is closed"
            out = " ".join(checker.text)
        out = plain(out.replace("│", " "))  # text: the frame's sides
        assert f"{NAME} (born {BORN.isoformat()})" in out
        assert moment(seen.second_finished) in out  # the session's date and time
        assert CLINICIAN in out
        assert "knee-pain 1.0" in out
        assert NOTE in out and "Jo" in out
        assert REASON in out
        assert "Clinician's overrides" in out
        assert BESIDE[fmt] in out  # the clinician's level beside the computed one
        assert f"Change since the previous session ({day(seen.first_finished)})" in out
        assert "real change, better" in out  # pain 4 -> 1, smallest real change 2
        # the computed report follows, with the level the rules gave
        assert "Limited hip mobility (possible, 1 point)" in out


def test_html_prints_with_the_levels_side_by_side(seen: Seen) -> None:
    run = kc(seen.url, "report", str(seen.second), "--format", "html")
    assert run.code == 0, run
    page = run.stdout
    checker = Checker()
    checker.feed(page)
    row = page.split("<tbody><tr>", 1)[1].split("</tr>", 1)[0]
    assert "<td>Limited hip mobility</td><td>possible</td><td><strong>likely</strong></td>" in row
    assert "@media print" in checker.style
    assert "break-inside:avoid" in checker.style
    assert "@page" in checker.style and "counter(pages)" in checker.style


def test_json_holds_the_contract_report_of_assess_and_the_clinic_parts(
    seen: Seen, tmp_path: Path
) -> None:
    run = kc(seen.url, "report", str(seen.second), "--format", "json")

    assert run.code == 0, run
    handover = json.loads(run.stdout)
    assert handover["format"] == "kinecheck.clinic.report/1"
    assert handover["report"] == assess_json(LATER, tmp_path)
    assert handover["client"] == {"id": seen.client, "name": NAME, "born": BORN.isoformat()}
    session = handover["session"]
    assert session["id"] == seen.second and session["clinician"] == CLINICIAN
    assert session["status"] == "completed"
    assert session["questionnaire"]["id"] == "knee-pain"
    assert datetime.fromisoformat(session["finished"]) == seen.second_finished
    assert [(n["text"], n["clinician"]) for n in handover["notes"]] == [(NOTE, "Jo")]
    ((override,),) = [handover["overrides"]]
    assert override["finding"] == "hip_immobility"
    assert (override["computed_level"], override["level"]) == ("possible", "likely")
    assert override["reason"] == REASON
    assert handover["previous_session"]["id"] == seen.first
    changes = {c["id"]: c for c in handover["changes_since_previous"]}
    pain = changes["pain_level"]
    assert (pain["before"], pain["after"], pain["difference"]) == ("4", "1", -3)
    assert (pain["verdict"], pain["direction"]) == ("real change", "better")
    assert changes["hip_immobility"]["before"] == "likely"
    assert changes["hip_immobility"]["after"] == "possible"
    assert handover["rescored"] == "same"


def test_the_first_session_has_no_change_and_the_read_is_audited(seen: Seen) -> None:
    run = kc(seen.url, "report", str(seen.first), "--format", "json", "--clinician", "Jo")

    assert run.code == 0, run
    handover = json.loads(run.stdout)
    assert handover["changes_since_previous"] is None
    assert handover["previous_session"] is None
    assert handover["notes"] == [] and handover["overrides"] == []
    ((entry, detail),) = audit_entries(seen.url, "report.read")
    assert (entry.session_id, entry.actor) == (seen.first, "Jo")
    assert detail is not None and json.loads(detail)["format"] == "json"


# -- files -----------------------------------------------------------------------------------
def test_output_is_owner_only_and_never_replaced_without_force(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Files are not the database's business: SQLite alone."""
    client = add_client(sqlite_url)
    first = add_session(sqlite_url, client, DESK_WORKER)
    second = add_session(sqlite_url, client, LATER)
    target = tmp_path / "ana.html"

    written = kc(sqlite_url, "report", str(second), "--output", str(target))
    again = kc(sqlite_url, "report", str(second), "--output", str(target))
    first_text = target.read_text()
    markdown = tmp_path / "ana.md"
    target_md = kc(sqlite_url, "report", str(second), "-o", str(markdown))
    forced = kc(sqlite_url, "report", str(first), "-o", str(target), "--force")

    assert written.code == 0, written
    assert first_text.startswith("<!doctype html>")  # the suffix picked the format
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert again.code == 2, again
    assert "already exists; use --force" in again.stderr
    assert target_md.code == 0 and markdown.read_text().startswith("# ")
    assert forced.code == 0, forced
    assert target.read_text() != first_text  # replaced with the first session's report


# -- what has no report ----------------------------------------------------------------------
def test_an_unknown_or_unfinished_session_is_exit_2_with_what_to_do(db_url: str) -> None:
    client = add_client(db_url)
    open_one = add_session(db_url, client, {"age": 41}, complete=False)

    unknown = kc(db_url, "report", "4242")
    unfinished = kc(db_url, "report", str(open_one))

    assert unknown.code == 2, unknown
    assert "there is no session 4242" in unknown.stderr
    assert unfinished.code == 2, unfinished
    assert "no report yet" in unfinished.stderr
    assert f"kinecheck clinic intake {client} --resume" in unfinished.stderr
    for run in (unknown, unfinished):
        assert "Traceback" not in run.stderr and run.stdout == ""
    assert audit_entries(db_url, "report.read") == []


# -- the stored report stands ----------------------------------------------------------------
def test_the_stored_report_is_shown_even_when_scoring_again_differs(sqlite_url: str) -> None:
    """The report the client was given is the record: a later engine must not rewrite it."""
    client = add_client(sqlite_url)
    session = add_session(sqlite_url, client, DESK_WORKER)
    with open_store(sqlite_url) as store, store.transaction() as db:
        result = db.get(Result, session)
        assert result is not None
        stored = json.loads(result.report)
        stored["findings"][0]["level"] = "possible"  # as an older engine might have said
        db.execute(
            sa.update(Result).where(Result.session_id == session).values(report=json.dumps(stored))
        )
    with open_store(sqlite_url) as store, store.transaction() as db:
        handover = gather(db, store.actor, session, fmt="text")

    assert handover.rescored == "differs"
    assert handover.report.findings[0].level == "possible"
    assert handover.report.wording is not None  # the titles people read are still there
    assert handover.report_json == stored
    text = kc(sqlite_url, "report", str(session)).stdout
    assert "a different result" in plain(text)
    assert "Limited hip mobility (possible, 4 points)" in plain(text)


def test_a_report_is_still_handed_over_when_it_cannot_be_scored_or_compared_again(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Definitions a newer kinecheck cannot read must not keep the stored report from view."""
    import kinecheck.clinic.handover as handover_module
    from kinecheck.clinic import changes
    from kinecheck.clinic.db import ClinicError
    from kinecheck.render.handover import render_json, render_markdown, render_text
    from kinecheck.render.handover_html import render_html

    client = add_client(sqlite_url)
    add_session(sqlite_url, client, DESK_WORKER)
    second = add_session(sqlite_url, client, LATER)

    def unreadable(*args: object) -> None:
        raise ClinicError("its definition files cannot be read")

    monkeypatch.setattr(handover_module, "definitions_of", unreadable)
    monkeypatch.setattr(changes, "compare_sessions", unreadable)
    with open_store(sqlite_url) as store, store.transaction() as db:
        handover = gather(db, store.actor, second, fmt="html")

    assert handover.rescored == "unavailable" and handover.changes is None
    assert handover.report_json["findings"][0]["level"] == "possible"
    for render in (render_text, render_markdown, render_html):
        out = plain(render(handover))
        assert "cannot score the session again" in out
        assert "cannot be shown: its definition files cannot be read" in out
        assert "Limited hip mobility (possible, 1 point)" in out
    assert json.loads(render_json(handover))["changes_problem"] == (
        "its definition files cannot be read"
    )


def test_a_name_in_the_page_foot_cannot_leave_its_css_string() -> None:
    from kinecheck.render.handover_html import css_string

    quoted = css_string('Zoë "O\'Neil" </style><script>\\')
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "\\eb " in inner  # ë, escaped by its code point

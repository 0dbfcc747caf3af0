"""`kinecheck clinic compare` and `progress`, end to end on SQLite and PostgreSQL.

Sessions are stored the way an intake stores them (kinecheck.clinic.sessions: start, the
answers recorded, finish with the report of kinecheck.api.assess); the commands then run in
a separate process, as a kinesiologist runs them. The figures they judge by come from the
definitions: knee-to-wall 1.5 cm and pain 2 points (questionnaires/knee-pain.yaml), LEFS 9
points (examples/clinic/rules/lefs.yaml).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from kinecheck import api
from kinecheck.definitions.compiled import Definitions

ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = yaml.safe_load((ROOT / "examples" / "desk-worker.yaml").read_text())
LEFS_FILE = ROOT / "examples" / "clinic" / "questionnaires" / "lefs.yaml"
CLINICIAN = "dr-history"
LEFT = "Knee-to-wall test, left foot. How far was your big toe from the wall?"
RIGHT = "Knee-to-wall test, right foot. How far was your big toe from the wall?"
PAIN = "How much does your knee hurt right now?"


# -- records, stored as an intake stores them ---------------------------------------------------


def add_client(url: str, name: str) -> int:
    """A client row (the foundation's table), as `client add` makes one."""
    from kinecheck.clinic.store import open_store
    from kinecheck.clinic.tables import Client, now

    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        client = Client(name=name, created_at=now(), subject=secrets.token_hex(16))
        db.add(client)
        db.flush()
        return client.id


def stored_session(
    url: str,
    client_id: int,
    answers: dict[str, Any],
    defs: Definitions | None = None,
    *,
    finish: bool = True,
) -> int:
    """A session of `answers` (knee-pain unless `defs` say otherwise), finished and scored."""
    from kinecheck.clinic import sessions
    from kinecheck.clinic.store import open_store
    from kinecheck.render import renderer

    defs = defs or api.load("knee-pain")
    checked = dict(api.check_answers(defs, answers, partial=not finish).answers)
    with open_store(url, CLINICIAN) as store, store.transaction() as db:
        client = sessions.get_client(db, client_id)
        session = sessions.start(db, store.actor, client, defs)
        sessions.record_answers(db, store.actor, session.id, client.subject, {}, checked)
        if finish:
            report = renderer("json")(api.assess(defs, checked))
            sessions.finish(db, store.actor, session, client.subject, report)
        return session.id


def knee(**changed: Any) -> dict[str, Any]:
    """The desk worker's answers with the self-tests done, and `changed` on top."""
    return {
        **DESK_WORKER,
        "self_tests": "yes",
        "knee_to_wall_left_cm": 8.0,
        "knee_to_wall_right_cm": 8.0,
        "balance_left_s": 30,
        "balance_right_s": 30,
        "thomas_test": "level",
        "pain_level": 6,
        **changed,
    }


def lefs(total: int) -> dict[str, Any]:
    """LEFS answers adding up to `total`: as many 4s as fit, the rest a lower choice."""
    names = ["extreme", "quite_a_bit", "moderate", "a_little", "no_difficulty"]
    values = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    values += [0] * (20 - len(values))
    return {f"lefs_{i + 1:02d}": names[v] for i, v in enumerate(values)}


@dataclass
class Ran:
    """What a command printed and how it exited."""

    code: int
    stdout: str
    stderr: str


def clinic(url: str, *args: str, own_process: bool = False) -> Ran:
    """`kinecheck clinic ARGS --db URL`: in-process through the real CLI, or in its own process.

    A process of its own (as a shell runs it) costs seconds of imports on a small machine, so
    each test runs its main path that way and the rest through typer's runner.
    """
    argv = ["clinic", *args, "--db", url]
    if not own_process:
        from typer.testing import CliRunner

        from kinecheck.cli import app

        result = CliRunner().invoke(app, argv)
        ran = Ran(result.exit_code, result.stdout, result.stderr)
    else:
        env = {**os.environ, "COLUMNS": "200"}
        env.pop("KINECHECK_DB", None)
        done = subprocess.run(
            [sys.executable, "-m", "kinecheck", *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
        ran = Ran(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in ran.stderr + ran.stdout, ran.stderr
    return ran


def ok_json(url: str, *args: str, own_process: bool = False) -> Any:
    done = clinic(url, *args, "--format", "json", own_process=own_process)
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def by_id(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in changes}


def audit_actions(url: str) -> list[tuple[str, str | None]]:
    """(action, detail) of every audit entry, oldest first, read behind kinecheck's back."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT a.action, d.detail FROM audit a "
                    "LEFT JOIN audit_details d ON d.entry_id = a.id ORDER BY a.id"
                )
            )
            return [(str(action), detail) for action, detail in rows]
    finally:
        engine.dispose()


# -- compare -----------------------------------------------------------------------------------


def test_compare_judges_each_measure_against_its_smallest_real_change(db_url: str) -> None:
    client = add_client(db_url, "Ana Silva")
    first = stored_session(db_url, client, knee())
    small = stored_session(db_url, client, knee(knee_to_wall_left_cm=9.0, pain_level=5))
    large = stored_session(
        db_url, client, knee(knee_to_wall_left_cm=10.0, knee_to_wall_right_cm=6.5, pain_level=3)
    )

    found = ok_json(db_url, "compare", str(first), str(small), own_process=True)
    assert (found["before"]["id"], found["after"]["id"]) == (first, small)
    changes = by_id(found["changes"])
    assert changes["knee_to_wall_left_cm"] == {
        "kind": "answer",
        "id": "knee_to_wall_left_cm",
        "title": LEFT,
        "before": "8 cm",
        "after": "9 cm",
        "difference": 1.0,
        "smallest_real_change": 1.5,
        "verdict": "no real change",
        "direction": None,
        "group": "measures",
    }
    assert changes["pain_level"]["verdict"] == "no real change"
    assert changes["pain_level"]["difference"] == -1
    # unchanged, but judged: a kinesiologist sees "no real change", not a gap
    assert changes["knee_to_wall_right_cm"]["verdict"] == "no real change"
    assert changes["knee_to_wall_right_cm"]["difference"] == 0
    # a number without a smallest real change is never judged, and unchanged is not listed
    assert "balance_left_s" not in changes and "age" not in changes

    # named the other way round, the earlier session is still "before"
    changes = by_id(ok_json(db_url, "compare", str(large), str(first))["changes"])
    left, right, pain = (
        changes["knee_to_wall_left_cm"],
        changes["knee_to_wall_right_cm"],
        changes["pain_level"],
    )
    assert (left["before"], left["after"], left["difference"]) == ("8 cm", "10 cm", 2.0)
    assert (left["verdict"], left["direction"]) == ("real change", "better")
    assert (right["verdict"], right["direction"]) == ("real change", "worse")  # -1.5: exactly
    assert (pain["before"], pain["after"], pain["verdict"], pain["direction"]) == (
        "6",
        "3",
        "real change",
        "better",  # lower pain is better
    )

    done = clinic(db_url, "compare", str(first), str(large))
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Client {client}: session {first} (knee-pain 1.0.1, ")
    assert "Measures" in lines
    at = lines.index("  " + LEFT)
    assert lines[at + 1] == "    8 cm -> 10 cm (+2; smallest real change 1.5): real change, better"
    at = lines.index("  " + PAIN)
    assert lines[at + 1] == "    6 -> 3 (-3; smallest real change 2): real change, better"


def test_compare_shows_a_finding_changing_level_and_the_referral_changing(db_url: str) -> None:
    client = add_client(db_url, "Ben Okafor")
    first = stored_session(db_url, client, knee())
    second = stored_session(
        db_url,
        client,
        knee(sitting_hours=6, hips_feel_tight="no", current_injury="yes", knee_side="both"),
    )

    done = clinic(db_url, "compare", str(first), str(second), own_process=True)
    assert done.code == 0, done.stderr
    text = done.stdout
    findings = text.split("\nFindings\n", 1)[1]
    assert findings.startswith("  Limited hip mobility\n    likely -> possible: changed\n")
    referral = text.split("\nReferral\n", 1)[1]
    assert referral.startswith("    none -> routine: changed\n")
    answers = text.split("\nAnswers\n", 1)[1]
    assert "    My left knee -> Both knees: changed\n" in answers  # in the questionnaire's words
    assert (
        "On a usual day, how many hours do you spend sitting?\n    9 hours -> 6 hours (-3): changed"
        in text
    )

    changes = by_id(ok_json(db_url, "compare", str(first), str(second))["changes"])
    assert changes["hip_immobility"]["kind"] == "finding"
    assert (changes["referral"]["before"], changes["referral"]["after"]) == ("none", "routine")
    assert changes["sitting_hours"]["verdict"] == "changed"  # no smallest real change declared

    # each compare is a read of the client's record, in the audit log, without an answer
    reads = [detail for action, detail in audit_actions(db_url) if action == "compare.read"]
    assert len(reads) == 2
    assert [json.loads(d or "{}")["sessions"] for d in reads] == [[first, second]] * 2
    assert not any("left" in (d or "") or "hours" in (d or "") for d in reads)


def test_compare_tells_what_cannot_be_compared(db_url: str) -> None:
    ana, ben = add_client(db_url, "Ana Silva"), add_client(db_url, "Ben Okafor")
    done_ana = stored_session(db_url, ana, knee())
    done_ben = stored_session(db_url, ben, knee())
    open_ana = stored_session(db_url, ana, {"age": 40}, finish=False)

    def refused(*args: str) -> str:
        done = clinic(db_url, "compare", *args, own_process=args[1] == "999")
        assert done.code == 2, done
        assert done.stdout == ""
        assert "Ana" not in done.stderr and "40" not in done.stderr
        return done.stderr

    assert refused(str(done_ana), str(done_ben)) == (
        f"error: sessions {done_ana} and {done_ben} belong to different clients; "
        "compare two sessions of one client\n"
    )
    assert refused(str(done_ana), str(open_ana)).startswith(
        f"error: session {open_ana} is not completed, so it has no result to compare"
    )
    assert refused(str(done_ana), "999").startswith("error: there is no session 999")
    assert refused(str(done_ana), str(done_ana)) == (
        f"error: session {done_ana} was given twice; name two sessions to compare\n"
    )
    other = stored_session(db_url, ana, lefs(40), api.load(str(LEFS_FILE)))
    assert refused(str(done_ana), str(other)) == (
        f"error: sessions {done_ana} and {other} are of different questionnaires "
        "(knee-pain, lefs); compare two sessions of one questionnaire\n"
    )
    assert not any(a == "compare.read" for a, _ in audit_actions(db_url))


def test_a_score_is_judged_by_the_smallest_real_change_its_rules_declare(db_url: str) -> None:
    defs = api.load(str(LEFS_FILE))
    client = add_client(db_url, "Carla Dias")
    ids = [stored_session(db_url, client, lefs(total), defs) for total in (40, 45, 54)]

    small = by_id(ok_json(db_url, "compare", str(ids[0]), str(ids[1]))["changes"])["lefs"]
    assert (small["kind"], small["title"], small["before"], small["after"]) == (
        "score",
        "LEFS",
        "40",
        "45",
    )
    assert (small["verdict"], small["smallest_real_change"], small["group"]) == (
        "no real change",
        9,
        "scores",
    )
    large = by_id(ok_json(db_url, "compare", str(ids[1]), str(ids[2]))["changes"])["lefs"]
    assert (large["difference"], large["verdict"], large["direction"]) == (
        9,
        "real change",
        "better",
    )


# -- progress ----------------------------------------------------------------------------------


def series_of(found: dict[str, Any], item: str) -> dict[str, Any]:
    (series,) = [s for s in found["series"] if s["id"] == item]
    return dict(series)


def test_progress_shows_every_session_in_order_and_judges_each_measure(db_url: str) -> None:
    client = add_client(db_url, "Ana Silva")
    lefs_defs = api.load(str(LEFS_FILE))
    ids = [
        stored_session(db_url, client, knee()),
        stored_session(db_url, client, lefs(40), lefs_defs),
        stored_session(db_url, client, knee(knee_to_wall_left_cm=9.0, pain_level=5)),
        stored_session(
            db_url, client, knee(knee_to_wall_left_cm=10.5, pain_level=3, balance_left_s=45)
        ),
        stored_session(db_url, client, lefs(52), lefs_defs),
        stored_session(db_url, client, {"age": 41}, finish=False),
    ]

    found = ok_json(db_url, "progress", str(client), own_process=True)
    assert (found["client_id"], found["client_name"]) == (client, "Ana Silva")
    sessions = found["sessions"]
    assert [s["id"] for s in sessions] == ids
    knee_pain, lefs_id = "knee-pain", "lefs"
    assert [s["questionnaire"] for s in sessions] == [
        *(knee_pain, lefs_id, knee_pain, knee_pain, lefs_id, knee_pain)
    ]
    assert [s["status"] for s in sessions] == ["completed"] * 5 + ["in_progress"]
    assert sessions[0]["referral"] == "none"
    assert [(f["id"], f["level"]) for f in sessions[0]["findings"]] == [
        ("hip_immobility", "likely"),
        ("ankle_immobility", "likely"),
    ]
    assert sessions[0]["measures"]["knee_to_wall_left_cm"] == 8.0
    assert [(s["id"], s["value"]) for s in sessions[1]["scores"]] == [("lefs", 40)]
    assert (sessions[5]["referral"], sessions[5]["measures"], sessions[5]["finished_at"]) == (
        None,
        {},
        None,
    )

    left = series_of(found, "knee_to_wall_left_cm")
    assert (left["unit"], left["smallest_real_change"], left["better"]) == ("cm", 1.5, "higher")
    assert [(p["session_id"], p["value"], p["text"]) for p in left["points"]] == [
        (ids[0], 8.0, "8 cm"),
        (ids[2], 9.0, "9 cm"),
        (ids[3], 10.5, "10.5 cm"),
    ]
    assert left["points"][0]["from_previous"] is None
    assert left["points"][1]["from_previous"]["verdict"] == "no real change"  # +1 < 1.5
    last = left["points"][2]
    assert (last["from_previous"]["difference"], last["from_previous"]["verdict"]) == (
        1.5,
        "real change",  # exactly the smallest real change counts
    )
    assert (last["from_first"]["before"], last["from_first"]["after"]) == ("8 cm", "10.5 cm")
    assert last["from_first"]["direction"] == "better"

    pain = series_of(found, "pain_level")
    assert [p["value"] for p in pain["points"]] == [6, 5, 3]
    assert [p["from_previous"]["verdict"] for p in pain["points"][1:]] == [
        "no real change",
        "real change",
    ]
    assert pain["points"][2]["from_first"]["direction"] == "better"  # 6 -> 3, lower is better
    balance = series_of(found, "balance_left_s")  # no figure declared: never judged real
    assert balance["smallest_real_change"] is None
    assert [p["from_previous"]["verdict"] for p in balance["points"][1:]] == [
        "no real change",  # the same value
        "changed",  # 30 -> 45 s
    ]
    # numbers without a figure that never changed (age, the other foot's balance) are left out
    followed = {s["id"] for s in found["series"]}
    assert followed.isdisjoint({"age", "balance_right_s", "ankle_sprains"})
    score = series_of(found, "lefs")
    assert (score["kind"], score["questionnaire"]) == ("score", "lefs")
    assert score["points"][1]["from_previous"]["verdict"] == "real change"  # 40 -> 52

    done = clinic(db_url, "progress", str(client))
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Progress of Ana Silva (client {client}): 6 sessions"
    at = lines.index("  " + LEFT)
    assert lines[at + 1] == "    (smallest real change 1.5; higher is better)"
    assert lines[at + 3].endswith(
        f"session {ids[2]}  9 cm  (+1 since the previous: no real change)"
    )
    assert lines[at + 4].endswith(
        f"session {ids[3]}  10.5 cm  (+1.5 since the previous: real change, better)"
    )
    assert lines[at + 5] == (
        "    since the first: 8 cm -> 10.5 cm (+2.5; smallest real change 1.5): real change, better"
    )
    reads = [d for action, d in audit_actions(db_url) if action == "progress.read"]
    assert [json.loads(d or "{}") for d in reads] == [{"salt": ANY, "sessions": 6}] * 2


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


class Checked(HTMLParser):
    """Every element closed, in order: what a browser and a PDF printer need to agree."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "circle", "rect", "path"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.count: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else ''}>")
            return
        self.open.pop()


def test_progress_html_plots_each_measure_and_is_written_owner_only(
    db_url: str, tmp_path: Path
) -> None:
    name = "Zoë <b>O'Neil</b> & co"
    client = add_client(db_url, name)
    stored_session(db_url, client, knee())
    stored_session(db_url, client, knee(knee_to_wall_left_cm=11.0, pain_level=2))
    page = tmp_path / "progress.html"

    done = clinic(db_url, "progress", str(client), "--output", str(page), own_process=True)
    assert (done.code, done.stdout) == (0, ""), done.stderr
    assert done.stderr == f"progress written to {page}\n"
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    html = page.read_text()
    assert html.startswith("<!doctype html><html lang='en'>")
    checked = Checked()
    checked.feed(html)
    checked.close()
    assert (checked.problems, checked.open) == ([], [])
    measures = ok_json(db_url, "progress", str(client))["series"]
    assert {m["id"] for m in measures} == {
        "pain_level",
        "knee_to_wall_left_cm",
        "knee_to_wall_right_cm",
    }
    assert checked.count["svg"] == len(measures)
    assert checked.count["polyline"] == len(measures)  # two sessions: a line in each plot
    assert "Zoë &lt;b&gt;O&#x27;Neil&lt;/b&gt; &amp; co" in html and "<b>" not in html
    assert re.search(r"@page\{margin:[^}]*\}", html) and "break-inside:avoid" in html

    again = clinic(db_url, "progress", str(client), "--output", str(page))
    assert again.code == 2
    assert again.stderr == f"error: {page} already exists; use --force to replace it\n"
    assert page.read_text() == html
    forced = clinic(db_url, "progress", str(client), "-f", "text", "-o", str(page), "--force")
    assert forced.code == 0, forced.stderr
    assert page.read_text().startswith(f"Progress of {name} (client {client}): 2 sessions\n")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600

    stray = clinic(db_url, "progress", str(client), "--force")
    assert (stray.code, stray.stderr) == (2, "error: --force only applies to --output PATH\n")
    unknown = clinic(db_url, "progress", "999")
    assert unknown.code == 2 and unknown.stderr.startswith("error: there is no client 999")

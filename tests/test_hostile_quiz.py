"""The quiz's saved progress, its folders and the files it writes, against a hostile machine.

Issue #9: a saved session that is damaged, huge, 600 deep, a device or a pipe (items 4, 7);
copies a killed save left behind (10); folders made under `umask 000` and sessions or caches
someone else planted (11); a home the quiz cannot write to (12); `--output` onto a device or
a pipe (13). Every case runs the real command and looks at what a person sees: the exit code,
kinecheck's own message, and the files left on disk.

Tests that need another user's files use os.chown, so they run as root only (as in CI); the
ones about files others can write run for anyone. A device node is made with mknod when root
(a private copy of /dev/null and /dev/full, so a regression cannot replace the system's);
otherwise the real /dev/null and /dev/full are used, which a user cannot replace anyway.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from test_quiz import BASE
from test_take_matches_assess import asked_in_order, plain_line

KINECHECK = str(Path(sys.executable).parent / "kinecheck")
ROOT = Path(__file__).resolve().parent.parent
DESK_WORKER = str(ROOT / "examples" / "desk-worker.yaml")
IS_ROOT = os.geteuid() == 0
OTHER_UID = 54321  # a user that owns nothing here
SECRET = "SECRET-ANSWER-7731"  # never to be printed
as_root = pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")


def limited() -> None:
    """Run the child with 2 GB of address space at most: /dev/zero read whole fails fast."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run(
    args: list[str],
    env: dict[str, str],
    typed: str = "",
    *,
    prefix: tuple[str, ...] = (),
    umask: int | None = None,
) -> subprocess.CompletedProcess[str]:
    def setup() -> None:
        limited()
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [*prefix, KINECHECK, *args],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        preexec_fn=setup,
    )


def answers_typed(answers: dict[str, object] = BASE) -> str:
    return "".join(plain_line(q, answers[q]) + "\n" for q in asked_in_order(answers))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "ACCESSIBLE", "KINECHECK_PLAIN", "COLUMNS", "KINECHECK_CACHE_DIR")
    }
    return {**clean, "KINECHECK_DATA_DIR": str(tmp_path / "data")}


def sessions_dir(env: dict[str, str]) -> Path:
    return Path(env["KINECHECK_DATA_DIR"]) / "sessions"


def plant(env: dict[str, str], text: str) -> Path:
    """A session file with `text`, in a folder and with a mode kinecheck itself would use."""
    folder = sessions_dir(env)
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    path = folder / "knee-pain.json"
    path.write_text(text)
    path.chmod(0o600)
    return path


def session_text(answers: str) -> str:
    return (
        '{"format": 1, "questionnaire": {"id": "knee-pain", "version": "1.0.0"}, '
        f'"saved_at": "2026-01-01T00:00:00+00:00", "answers": {answers}}}'
    )


def resume(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(["take", "--plain", "--resume"], env)


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the saved answers in ")
    for word in words:
        assert word in done.stderr
    assert "Question 1" not in done.stdout and "Welcome back" not in done.stdout
    assert SECRET not in done.stdout + done.stderr


# -- item 4 and 7: a saved session too deep, too large, or not a file ---------------------------


@pytest.mark.parametrize("depth", [600, 100_000])
def test_a_session_nested_too_deep_is_refused_as_damaged(env: dict[str, str], depth: int) -> None:
    plant(env, session_text('{"age": ' + "[" * depth + f'"{SECRET}"' + "]" * depth + "}"))
    done = resume(env)
    assert_refused(done, "cannot be read (it nests lists or mappings more than 8 deep)")
    assert "without --resume" in done.stderr


def test_a_session_larger_than_any_kinecheck_writes_is_refused_unread(env: dict[str, str]) -> None:
    plant(env, session_text('{"age": 41, "x": "' + "a" * 5_000_000 + '"}'))
    assert_refused(resume(env), "is larger than 4 MB")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "link-to-fifo"])
def test_a_session_that_is_or_links_to_a_device_or_pipe_is_refused_at_once(
    env: dict[str, str], tmp_path: Path, special: str
) -> None:
    path = plant(env, "{}")
    path.unlink()
    if special == "fifo":
        os.mkfifo(path, 0o600)
    else:
        target = "/dev/zero"
        if special == "link-to-fifo":
            target = str(tmp_path / "fifo")
            os.mkfifo(target, 0o600)
        path.symlink_to(target)
    done = resume(env)  # before: read /dev/zero until memory ran out; a pipe blocked forever
    why = "is a pipe, not the file kinecheck wrote" if special == "fifo" else "is a link"
    assert_refused(done, why)


def test_a_damaged_session_never_shows_its_answers(env: dict[str, str]) -> None:
    plant(env, session_text('{"age": "' + SECRET + '", }'))  # a trailing comma: not JSON
    assert_refused(resume(env), "cannot be read (it is not JSON: line 1")


# -- item 10: copies of a session that a killed save left behind --------------------------------

LEFTOVER = ".knee-pain.json.a1b2c3d4.tmp"
NOT_OURS = ["notes.txt", ".other.json.a1b2c3d4.tmp", ".knee-pain.json.a1b2c3d4.tmp.bak"]


def leave_copies(env: dict[str, str], *, session: bool) -> Path:
    folder = sessions_dir(env)
    folder.mkdir(parents=True, mode=0o700)
    an_hour_ago = time.time() - 3600
    for name in [LEFTOVER, *NOT_OURS, *(["knee-pain.json"] if session else [])]:
        (folder / name).write_text(session_text(f'{{"age": 41, "note": "{SECRET}"}}'))
        (folder / name).chmod(0o600)
        os.utime(folder / name, (an_hour_ago, an_hour_ago))
    return folder


@pytest.mark.parametrize("session", [True, False], ids=["with-session", "copies-only"])
def test_forget_deletes_the_copies_a_killed_save_left_behind(
    env: dict[str, str], session: bool
) -> None:
    folder = leave_copies(env, session=session)
    done = run(["take", "--forget"], env)
    assert done.returncode == 0, done.stderr
    assert "Deleted your saved answers for knee-pain." in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(NOT_OURS)


def test_a_new_save_deletes_the_copies_a_killed_save_left_behind(env: dict[str, str]) -> None:
    folder = leave_copies(env, session=False)
    done = run(["take", "--plain"], env, "41\n")  # one answer, then the input ends
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted([*NOT_OURS, "knee-pain.json"])
    assert json.loads((folder / "knee-pain.json").read_text())["answers"] == {"age": 41}


def test_a_new_save_leaves_a_copy_another_save_is_writing_now(env: dict[str, str]) -> None:
    folder = leave_copies(env, session=False)
    os.utime(folder / LEFTOVER)  # written a moment ago: a save at work in another window
    assert run(["take", "--plain"], env, "41\n").returncode == 2
    assert LEFTOVER in [p.name for p in folder.iterdir()]
    assert run(["take", "--forget"], env).returncode == 0  # forget takes every copy
    assert LEFTOVER not in [p.name for p in folder.iterdir()]


@as_root
def test_a_copy_that_belongs_to_another_user_is_left_alone(env: dict[str, str]) -> None:
    folder = leave_copies(env, session=True)
    os.chown(folder / LEFTOVER, OTHER_UID, -1)
    assert run(["take", "--forget"], env).returncode == 0
    assert LEFTOVER in [p.name for p in folder.iterdir()]


# -- item 11: owner-only folders, and sessions or caches planted by someone else ----------------


def home_env(env: dict[str, str], home: Path) -> dict[str, str]:
    """kinecheck's folders in a home of their own, where the platform puts them."""
    moved = ("KINECHECK_DATA_DIR", "KINECHECK_CACHE_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    return {**{k: v for k, v in env.items() if k not in moved}, "HOME": str(home)}


def test_every_folder_kinecheck_makes_is_owner_only_even_under_umask_000(
    env: dict[str, str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    done = run(["take", "--plain"], home_env(env, home), "41\n", umask=0)
    assert done.returncode == 2 and "Traceback" not in done.stderr  # the input ended
    session = home / ".local/share/kinecheck/sessions/knee-pain.json"
    assert json.loads(session.read_text())["answers"] == {"age": 41}
    folders = {p.relative_to(home): stat.S_IMODE(p.stat().st_mode) for p in home.rglob("*")}
    folders = {p: m for p, m in folders.items() if (home / p).is_dir()}
    assert Path(".cache/kinecheck/definitions") in folders  # the cache was made too
    assert folders == dict.fromkeys(folders, 0o700)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)


def saved_once(env: dict[str, str]) -> Path:
    done = run(["take", "--plain"], env, "41\n")
    assert done.returncode == 2
    path = sessions_dir(env) / "knee-pain.json"
    assert path.exists()
    return path


@pytest.mark.parametrize(
    ("what", "mode", "said"),
    [
        ("folder", 0o777, "other users can change the folder {folder} (mode 0777)"),
        ("folder", 0o770, "other users can change the folder {folder} (mode 0770)"),
        ("file", 0o666, "other users can change the file (mode 0666)"),
        ("file", 0o620, "other users can change the file (mode 0620)"),
    ],
)
def test_a_session_others_can_change_is_not_read(
    env: dict[str, str], what: str, mode: int, said: str
) -> None:
    path = saved_once(env)
    (path.parent if what == "folder" else path).chmod(mode)
    done = resume(env)
    said = said.format(folder=path.parent)
    assert_refused(done, "were not read: " + said, "may not be yours", "kinecheck take --forget")
    if what == "folder":
        assert f"chmod 700 {path.parent}" in done.stderr


@as_root
@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_session_that_belongs_to_another_user_is_not_read(env: dict[str, str], what: str) -> None:
    path = saved_once(env)
    os.chown(path.parent if what == "folder" else path, OTHER_UID, -1)
    done = resume(env)
    what = f"the folder {path.parent}" if what == "folder" else "the file"
    assert_refused(done, f"were not read: {what} belongs to another user")


def test_forget_deletes_a_session_someone_else_could_change(env: dict[str, str]) -> None:
    path = saved_once(env)
    path.chmod(0o666)
    done = run(["take", "--forget"], env)
    assert done.returncode == 0 and not path.exists()


@pytest.mark.parametrize("owner", ["others-can-write", *(["another-user"] if IS_ROOT else [])])
def test_answers_are_never_saved_into_a_folder_that_is_not_ours_alone(
    env: dict[str, str], owner: str
) -> None:
    folder = sessions_dir(env)
    folder.mkdir(parents=True, mode=0o700)
    if owner == "another-user":
        os.chown(folder, OTHER_UID, -1)
    else:
        folder.chmod(0o777)
    done = run(["take", "--plain"], env, answers_typed())
    assert done.returncode == 0, done.stderr
    assert "What your answers suggest" in done.stdout  # the report, all the same
    assert done.stdout.count("Your progress cannot be saved") == 1
    assert list(folder.iterdir()) == []


def test_a_cache_entry_that_is_a_pipe_is_ignored(env: dict[str, str]) -> None:
    assess = ["assess", "knee-pain", "--answers", DESK_WORKER, "--format", "json"]
    first = run(assess, env)
    assert first.returncode == 0, first.stderr
    (entry,) = (Path(env["KINECHECK_DATA_DIR"]) / "cache" / "definitions").iterdir()
    entry.unlink()
    os.mkfifo(entry, 0o600)
    again = run(assess, env)  # before: blocked forever opening the pipe
    assert again.returncode == 0 and again.stdout == first.stdout


@as_root
def test_a_cache_entry_that_belongs_to_another_user_is_ignored(env: dict[str, str]) -> None:
    assess = ["assess", "knee-pain", "--answers", DESK_WORKER, "--format", "json"]
    first = run(assess, env)
    (entry,) = (Path(env["KINECHECK_DATA_DIR"]) / "cache" / "definitions").iterdir()
    data = json.loads(entry.read_text())
    data["questionnaire"]["title"] = "Planted"
    entry.write_text(json.dumps(data))
    os.chown(entry, OTHER_UID, -1)
    again = run(assess, env)
    assert again.returncode == 0 and again.stdout == first.stdout


# -- item 12: a home the quiz cannot write to ----------------------------------------------------


def unwritable(
    env: dict[str, str], tmp_path: Path, how: str
) -> tuple[dict[str, str], tuple[str, ...]]:
    """An environment whose data folder cannot be made, and what to run the command under."""
    if how == "folder-is-a-file":
        (tmp_path / "a-file").write_text("")
        return {**env, "KINECHECK_DATA_DIR": str(tmp_path / "a-file" / "data")}, ()
    home = tmp_path / "home"
    home.mkdir(mode=0o555)
    if not IS_ROOT:
        return home_env(env, home), ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root ignores a read-only folder, and setpriv is not there to drop that")
    # root without the capabilities that let it write where the mode says no
    return home_env(env, home), (setpriv, "--bounding-set=-dac_override,-dac_read_search")


@pytest.mark.parametrize("how", ["read-only-home", "folder-is-a-file"])
def test_the_quiz_runs_to_the_report_when_progress_cannot_be_saved(
    env: dict[str, str], tmp_path: Path, how: str
) -> None:
    where, prefix = unwritable(env, tmp_path, how)
    done = run(["take", "--plain"], where, answers_typed(), prefix=prefix)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "What your answers suggest" in done.stdout
    assert done.stdout.count("Your progress cannot be saved") == 1  # said once, not per answer
    assert "if it stops before then, your answers are lost" in done.stdout


@pytest.mark.parametrize("how", ["read-only-home", "folder-is-a-file"])
def test_stopped_early_without_a_place_to_save_it_says_so(
    env: dict[str, str], tmp_path: Path, how: str
) -> None:
    where, prefix = unwritable(env, tmp_path, how)
    done = run(["take", "--plain"], where, "41\n1\n", prefix=prefix)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Your answers could not be saved" in done.stderr
    assert "--resume" not in done.stderr


# -- item 13: --output and --save onto a device or a pipe ----------------------------------------


@pytest.fixture
def device(tmp_path: Path) -> Callable[[str], Path]:
    """/dev/null or /dev/full: a private node of the same device when root, else the real one."""
    numbers = {"null": 3, "full": 7}

    def make(name: str) -> Path:
        if not IS_ROOT:
            return Path("/dev") / name
        node = tmp_path / "dev" / name
        node.parent.mkdir(exist_ok=True)
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, numbers[name]))
        return node

    return make


def assert_device(path: Path, name: str) -> None:
    info = os.lstat(path)
    assert stat.S_ISCHR(info.st_mode), f"{path} was replaced"
    assert info.st_rdev == os.stat(f"/dev/{name}").st_rdev
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.")]


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_output_to_dev_null_writes_into_it_and_keeps_the_device(
    env: dict[str, str], device: Callable[[str], Path], force: list[str]
) -> None:
    null = device("null")
    done = run(
        ["assess", "knee-pain", "--answers", DESK_WORKER, "--output", str(null), *force], env
    )
    assert done.returncode == 0, done.stderr
    assert_device(null, "null")


def test_output_to_dev_full_is_our_error_and_keeps_the_device(
    env: dict[str, str], device: Callable[[str], Path]
) -> None:
    full = device("full")
    args = ["assess", "knee-pain", "--answers", DESK_WORKER, "--output", str(full), "--force"]
    done = run(args, env)
    assert done.returncode == 2
    assert done.stderr == f"error: {full}: cannot be written (no space left on device)\n"
    assert_device(full, "full")


def test_output_to_a_pipe_nobody_reads_is_refused_and_the_pipe_kept(
    env: dict[str, str], tmp_path: Path
) -> None:
    pipe = tmp_path / "report.json"
    os.mkfifo(pipe, 0o600)
    args = ["assess", "knee-pain", "--answers", DESK_WORKER, "--output", str(pipe), "--force"]
    done = run(args, env)
    assert done.returncode == 2
    assert "no program is reading from this pipe" in done.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_output_to_a_pipe_with_a_reader_writes_into_it(env: dict[str, str], tmp_path: Path) -> None:
    pipe = tmp_path / "report.json"
    os.mkfifo(pipe, 0o600)
    received: list[bytes] = []

    def reader() -> None:
        with open(pipe, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    args = ["assess", "knee-pain", "--answers", DESK_WORKER, "--output", str(pipe)]
    for _ in range(10):  # until the reader has the pipe open
        done = run(args, env)
        if "no program is reading" not in done.stderr:
            break
    thread.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(received[0])["schema_version"] == 1
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_take_save_onto_a_pipe_nobody_reads_keeps_the_pipe(
    env: dict[str, str], tmp_path: Path
) -> None:
    pipe = tmp_path / "report.md"
    os.mkfifo(pipe, 0o600)
    done = run(["take", "--plain", "--save", str(pipe), "--force"], env, answers_typed())
    assert done.returncode == 2
    assert "no program is reading from this pipe" in done.stderr
    assert "Traceback" not in done.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_output_onto_a_socket_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    import socket

    path = tmp_path / "report.json"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        args = ["assess", "knee-pain", "--answers", DESK_WORKER, "--output", str(path), "--force"]
        done = run(args, env)
    assert done.returncode == 2
    assert f"error: {path}: is a socket, not a file" in done.stderr
    assert stat.S_ISSOCK(os.lstat(path).st_mode)

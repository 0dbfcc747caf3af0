"""What the fuzz tests share: the time budget, running kinecheck safely, crash kinds.

The mutators are in `mutators.py`.

The guarantee under test (issue #9): whatever file a person gives kinecheck, the outcome is
exit 0 or our own error (exit 1 for `validate`, 2 otherwise), never a traceback, and within a
time and memory limit. `tests/test_fuzz.py` feeds mutated and generated files through the CLI
in this process (fast: typer's CliRunner) and some through a subprocess with hard limits.

Budget: the fuzz tests share DEFAULT_SECONDS in a plain `pytest` run and LONG_SECONDS when
selected with `pytest -m fuzz`; KINECHECK_FUZZ_SECONDS overrides both (conftest.py divides it
by the tests' `fuzz(weight=...)`). Example `i` of a test draws from
`random.Random(f"{seed}:{test}:{i}")`, and hypothesis round `r` from a seed made the same way,
so a seed (in every failure and in the summary; KINECHECK_FUZZ_SEED sets it) replays a run.

A test does not stop at the first crash: it runs its whole share, keeps the first example of
each kind of crash (exception type and where it was raised, or the rule it broke), reduces it
to the lines it needs, saves it under tmp_path, and fails listing every kind with the command
that replays it. Hypothesis draws the generated inputs (seeded, without shrinking).
"""

from __future__ import annotations

import os
import random
import re
import resource
import shlex
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kinecheck.cli import app

ROOT = Path(__file__).resolve().parent.parent
SECONDS_ENV = "KINECHECK_FUZZ_SECONDS"
SEED_ENV = "KINECHECK_FUZZ_SEED"
# The time-bounded fuzz tests together in a plain `pytest` run, about a tenth of the suite's
# three minutes (test_hostile_inputs_stay_within_time_and_memory's subprocesses add ~8 s).
DEFAULT_SECONDS = 16.0
# `pytest -m fuzz`: issue #9 asks for ten minutes that find nothing.
LONG_SECONDS = 600.0
# From this total budget on, the subprocess runs use inputs as large as issue #9's (~35 MB).
LONG_INPUTS_FROM_SECONDS = 120.0
# The default run's seed is fixed, so CI explores the same inputs every time; `-m fuzz` draws
# a new one per run to explore further (both printed, both overridable).
DEFAULT_SEED = 9
# One input, CPU seconds, in this process: a normal one takes 10-50 ms; this only catches hangs
# and the quadratic blow-ups of issue #9 (item 8 took 23-102 s), never ordinary slowness.
EXAMPLE_CPU_SECONDS = 10.0
# How far one input may raise the peak memory of the pytest process, and the address space of
# a subprocess run: kinecheck needs well under 300 MB for any real file; item 9 took 2.9 GB.
MEMORY_LIMIT_BYTES = 1 << 30
# Wall clock of one subprocess run, start-up included: a real one takes about 0.5-1 s.
SUBPROCESS_TIMEOUT_SECONDS = 30.0
# Cutting one crash's input down to the lines it needs, before it is saved and shown.
REDUCE_SECONDS = 3.0
# Examples per hypothesis round; rounds (each with its own seed) repeat until the budget is spent.
ROUND_EXAMPLES = 25
# The innermost frames of a crash's traceback, and the characters of its input, in a report.
DETAIL_FRAMES = 6
EXCERPT_CHARS = 600
# Exception class names, library URLs and PyYAML's name for its input in our messages mean a
# library's text leaked out instead of our own message.
LEAKED = re.compile(
    r"\b[A-Z][A-Za-z]+(Error|Exception)\b|errors\.pydantic\.dev|<class '|<unicode string>"
)
TIMED_OUT = "timed out"  # the standard error of an Outcome whose subprocess was stopped
HERE = "{dir}"  # in a Trial's arguments and environment: the folder its files were written to


# -- budget --------------------------------------------------------------------------------------


def selects_fuzz(markexpr: str) -> bool:
    """True when `-m` asks for the fuzz tests themselves (`-m fuzz`, not `-m 'not fuzz'`)."""
    return bool(re.search(r"\bfuzz\b", markexpr)) and not re.search(r"\bnot\s+fuzz\b", markexpr)


def total_seconds(markexpr: str) -> float:
    """The budget of all selected fuzz tests together."""
    given = os.environ.get(SECONDS_ENV)
    if given:
        return float(given)
    return LONG_SECONDS if selects_fuzz(markexpr) else DEFAULT_SECONDS


def base_seed(markexpr: str) -> int:
    """KINECHECK_FUZZ_SEED, else fixed for the default run and fresh for a long one."""
    given = os.environ.get(SEED_ENV)
    if given:
        return int(given)
    return random.SystemRandom().randrange(10**9) if selects_fuzz(markexpr) else DEFAULT_SEED


@dataclass
class Plan:
    """Filled in by conftest.py once the tests are selected, read back for its summary."""

    seed: int = DEFAULT_SEED
    long: bool = False  # a long run: the subprocess runs' inputs grow to issue #9's sizes
    shares: dict[str, float] = field(default_factory=dict)  # node id -> seconds
    counts: dict[str, int] = field(default_factory=dict)  # node id -> examples run
    spent: dict[str, float] = field(default_factory=dict)  # node id -> seconds


PLAN = Plan()


def share(nodeid: str) -> float:
    """This test's seconds (a test run outside pytest's selection gets a small default)."""
    return PLAN.shares.get(nodeid, DEFAULT_SECONDS / 5)


def rng_for(test: str, index: int) -> random.Random:
    """The random source of one example: the same seed, test and index give the same input."""
    return random.Random(f"{PLAN.seed}:{test}:{index}")


# -- running kinecheck ---------------------------------------------------------------------------


class TooSlow(BaseException):
    """Raised in the middle of kinecheck when one input used up EXAMPLE_CPU_SECONDS.

    A BaseException, so that no `except Exception` in kinecheck or click swallows it.
    """


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Interrupt the code inside after `seconds` of CPU time.

    SIGPROF, because pytest-timeout has SIGALRM; CPU time, because a blocked read is a whole
    test's hang, for pytest-timeout to catch.
    """

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TooSlow(f"over {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@dataclass(frozen=True)
class Outcome:
    """What one kinecheck command did."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    error: BaseException | None  # an exception other than an exit
    seconds: float


BASE_ENV = {"KINECHECK_PATH": "", "KINECHECK_CACHE": "off", "COLUMNS": "100"}


def run_cli(args: Sequence[str], stdin: bytes | None, env: Mapping[str, str]) -> Outcome:
    """`kinecheck ARGS` in this process (typer's CliRunner), never raising what kinecheck raised."""
    start = time.perf_counter()
    error: BaseException | None = None
    try:
        with cpu_limit(EXAMPLE_CPU_SECONDS):
            result = CliRunner().invoke(app, list(args), input=stdin, env={**BASE_ENV, **env})
        code, stdout, stderr = result.exit_code, result.stdout, result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            error = result.exception
    except TooSlow as exc:
        code, stdout, stderr, error = -1, "", "", exc
    return Outcome(tuple(args), code, stdout, stderr, error, time.perf_counter() - start)


def run_limited(args: Sequence[str], stdin: bytes | None, env: Mapping[str, str]) -> Outcome:
    """`python -m kinecheck ARGS` with its address space capped and a wall-clock timeout."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))

    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kinecheck", *args],
            cwd=ROOT,
            env={**os.environ, **BASE_ENV, **env},
            input=stdin or b"",
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT_SECONDS,
            preexec_fn=cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(tuple(args), -1, "", TIMED_OUT, None, time.perf_counter() - start)
    out, err = (s.decode("utf-8", "replace") for s in (done.stdout, done.stderr))
    return Outcome(tuple(args), done.returncode, out, err, None, time.perf_counter() - start)


def where(error: BaseException) -> str:
    """Where an exception came from, stable across edits: kinecheck's last function, and the
    library function that raised when that is not kinecheck's."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/kinecheck/" in f.filename]
    place = f"{ours[-1].filename.split('/kinecheck/', 1)[1]}:{ours[-1].name}" if ours else ""
    if frames and (not ours or frames[-1] is not ours[-1]):
        place += f" (raised in {Path(frames[-1].filename).name}:{frames[-1].name})"
    return place or "?"


@dataclass(frozen=True)
class Failure:
    """How an outcome broke the guarantee: `kind` names the bug without line numbers or input,
    so that one bug found a thousand times is one kind."""

    kind: str
    detail: str


def failure(outcome: Outcome, allowed: frozenset[int]) -> Failure | None:
    """What is wrong with an outcome, or None when it kept the guarantee."""
    command = outcome.args[0]
    if outcome.error is not None:
        name = type(outcome.error).__name__
        text = "".join(traceback.format_exception(outcome.error, limit=-DETAIL_FRAMES))
        return Failure(f"{command}: {name} in {where(outcome.error)}", text)
    both = outcome.stdout + outcome.stderr
    if outcome.code < 0:  # a subprocess killed by a signal, or by the timeout (TIMED_OUT)
        what = "timed out" if outcome.stderr == TIMED_OUT else f"killed by signal {-outcome.code}"
        return Failure(f"{command}: {what}", both[-2000:])
    if "Traceback (most recent call last)" in both:  # from a subprocess: its last lines
        names = re.findall(r"^(\w+(?:Error|Exception|Exit))\b", both, re.MULTILINE)
        frames = re.findall(r'File "[^"]*/kinecheck/([^"]+)", line \d+, in (\w+)', both)
        place = f" in {frames[-1][0]}:{frames[-1][1]}" if frames else ""
        name = names[-1] if names else "traceback"
        return Failure(f"{command}: {name}{place} (traceback printed)", both[-2000:])
    if outcome.code not in allowed:
        return Failure(f"{command}: exit {outcome.code}", both[-2000:])
    if outcome.code != 0 and not outcome.stderr.strip():
        return Failure(f"{command}: exit {outcome.code} without a message", both[-2000:])
    leaked = LEAKED.search(outcome.stderr)
    if leaked:
        return Failure(f"{command}: message shows '{leaked.group(0)}'", outcome.stderr[-2000:])
    if not _MEMORY.reported and peak_memory_bytes() - _MEMORY.start > MEMORY_LIMIT_BYTES:
        _MEMORY.reported = True  # the peak only grows: report the input that raised it
        return Failure(f"{command}: peak memory grew by over {MEMORY_LIMIT_BYTES >> 20} MiB", "")
    return None


def peak_memory_bytes() -> int:
    """The peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class _Peak:
    """The process's peak memory before any fuzzing (other tests may have raised it)."""

    start: int
    reported: bool = False


_MEMORY = _Peak(peak_memory_bytes())


# -- trials and the crashes they find ------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One kinecheck command over files written to a folder first: what an example runs."""

    files: Mapping[str, bytes]
    args: tuple[str, ...]
    allowed: frozenset[int]
    stdin: str | None = None  # the file (one of `files`) given on standard input
    env: Mapping[str, str] = field(default_factory=dict)
    limited: bool = False  # in a subprocess with hard limits, not in this process
    focus: str | None = None  # the file a report shows first: the one that was made odd

    def command(self, folder: Path) -> str:
        """The shell command that replays this trial on the files saved in `folder`."""
        env = {"KINECHECK_CACHE": "off", **self.env}
        assign = " ".join(
            f"{k}={shlex.quote(v.replace(HERE, str(folder)))}" for k, v in env.items()
        )
        args = " ".join(shlex.quote(a.replace(HERE, str(folder))) for a in self.args)
        feed = f" < {shlex.quote(str(folder / self.stdin))}" if self.stdin else ""
        return f"cd {ROOT} && {assign} kinecheck {args}{feed}"

    def attempt(self, folder: Path) -> tuple[Outcome, Failure | None]:
        """Write the files into `folder`, run the command, judge the outcome."""
        for name, data in self.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        run = run_limited if self.limited else run_cli
        outcome = run(
            [a.replace(HERE, str(folder)) for a in self.args],
            self.files[self.stdin] if self.stdin else None,
            {k: v.replace(HERE, str(folder)) for k, v in self.env.items()},
        )
        return outcome, failure(outcome, self.allowed)


@dataclass
class Crash:
    """The first example of one kind of crash, and how often the kind came up."""

    failure: Failure
    example: str  # "seed S, answers example I"
    command: str  # replays it on the saved copy
    excerpt: str
    count: int = 1


@dataclass
class Fuzzer:
    """Runs one test's examples for its share of the budget, and keeps each new kind of crash
    with a saved copy of its input (reduced when the test names the file to reduce)."""

    folder: Path
    test: str  # a short name: in the seed of every example, and in the saved copies' names
    nodeid: str  # pytest's: the key of this test's share of the budget
    examples: int = 0
    found: dict[str, Crash] = field(default_factory=dict)

    def rng(self, i: int) -> random.Random:
        """Example `i`'s random source."""
        return rng_for(self.test, i)

    def label(self, i: int) -> str:
        """How example `i` is named in a report."""
        return f"seed {PLAN.seed}, {self.test} example {i}"

    def check(self, trial: Trial, example: str, reduce: str | None = None) -> Outcome:
        """Run a trial; a new kind of crash is reduced and recorded, a known one counted."""
        outcome, bad = trial.attempt(self.folder / "work")
        if bad is not None:
            self.note(bad, trial, example, reduce)
        return outcome

    def note(self, bad: Failure, trial: Trial, example: str, reduce: str | None = None) -> None:
        """Count a known kind of crash; record a new one (reduced when `reduce` names a file)."""
        if bad.kind in self.found:
            self.found[bad.kind].count += 1
            return
        if reduce is not None and not trial.limited:
            trial = self.reduced(trial, reduce, bad.kind)
        self.record(bad, trial, example)

    def reduced(self, trial: Trial, name: str, kind: str) -> Trial:
        """The trial with file `name` cut down to the lines it needs to fail the same way."""

        def still_fails(data: bytes) -> bool:
            _, bad = replace(trial, files={**trial.files, name: data}).attempt(self.folder / "work")
            return bad is not None and bad.kind == kind

        data = reduce_lines(trial.files[name], still_fails, REDUCE_SECONDS)
        return replace(trial, files={**trial.files, name: data})

    def record(self, found: Failure, trial: Trial, example: str) -> None:
        """Keep the first example of a new kind, saving its files to replay it."""
        saved = self.folder / f"{self.test}-crash-{len(self.found) + 1}"
        for name, data in trial.files.items():
            (saved / name).parent.mkdir(parents=True, exist_ok=True)
            (saved / name).write_bytes(data)
        named = [n for n in trial.files if n in str(trial.args)]
        shown = [trial.focus] if trial.focus else [trial.stdin] if trial.stdin else named
        excerpt = b"\n---\n".join(trial.files[n] for n in shown or list(trial.files)[:1])
        text = "".join(
            c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}"  # a NUL, shown
            for c in excerpt[:EXCERPT_CHARS].decode("utf-8", "replace")
        )
        self.found[found.kind] = Crash(found, example, trial.command(saved), text)

    def run_for_budget(self, example: Callable[[int], None], at_least: int = 1) -> None:
        """Call `example(0)`, `example(1)`, ... until this test's share of the budget is spent."""
        start = time.monotonic()
        while self.examples < at_least or time.monotonic() - start < share(self.nodeid):
            example(self.examples)
            self.examples += 1
        self._spent(start)

    def run_rounds(self, strategy: st.SearchStrategy[Any], body: Callable[[Any], None]) -> None:
        """Hypothesis rounds of ROUND_EXAMPLES, each seeded from the plan's seed, until the
        budget is spent; `body` checks one drawn value (it records crashes, never raises).

        Hypothesis generates but does not shrink: shrinking one crash took minutes, a
        round's budget many times over; the line reducer of `check` stands in for it."""
        start, rounds = time.monotonic(), 0

        def counted(value: Any) -> None:
            self.examples += 1
            body(value)

        while rounds == 0 or time.monotonic() - start < share(self.nodeid):
            test = settings(
                max_examples=ROUND_EXAMPLES,
                deadline=None,
                database=None,
                phases=(Phase.generate,),
                suppress_health_check=list(HealthCheck),
            )(given(strategy)(counted))
            seed(self.rng(rounds).randrange(2**32))(test)()
            rounds += 1
        self._spent(start)

    def _spent(self, start: float) -> None:
        PLAN.counts[self.nodeid] = self.examples
        PLAN.spent[self.nodeid] = time.monotonic() - start

    def assert_nothing_found(self) -> None:
        """Fail with how many examples ran, the seed, and every kind of crash with its replay."""
        if not self.found:
            return
        report = "".join(
            f"\n=== {c.failure.kind}  ({c.count}x; first: {c.example})\n"
            f"reproduce: {c.command}\n--- input (start) ---\n{c.excerpt}\n"
            f"--- what happened ---\n{c.failure.detail}"
            for c in sorted(self.found.values(), key=lambda c: -c.count)
        )
        pytest.fail(
            f"{len(self.found)} kind(s) of crash in {self.examples} examples "
            f"(seed {PLAN.seed}; replay with {SEED_ENV}={PLAN.seed}):{report}",
            pytrace=False,
        )


def reduce_lines(data: bytes, still_fails: Callable[[bytes], bool], seconds: float) -> bytes:
    """A smaller input that still fails the same way: delta debugging over lines, time-bounded."""
    lines = data.splitlines(keepends=True)
    deadline = time.monotonic() + seconds
    chunk = max(len(lines) // 2, 1)
    while chunk >= 1 and time.monotonic() < deadline:
        i, shrunk = 0, False
        while i < len(lines) and time.monotonic() < deadline:
            candidate = lines[:i] + lines[i + chunk :]
            if candidate and still_fails(b"".join(candidate)):
                lines, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return b"".join(lines)

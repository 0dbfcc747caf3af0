"""JSON Lines batch scoring: one report (or error record) per input line, in input order.

Memory stays flat whatever the input size: input is read in blocks of whole lines, and each
block is scored and written before more is read. A large regular file is shared out to
worker processes, forked once the definitions are compiled (so they start at once): block
by block in turn, each worker with one block at a time, results written in input order.
`KINECHECK_JOBS=N` sets the number of workers (1: score in this process). When the input is
a pipe or a terminal, each report is written as soon as its line has arrived.
"""

from __future__ import annotations

import os
import stat
import struct
import sys
from collections import deque
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from kinecheck.errors import AnswerProblem, AnswersError, InputError

if TYPE_CHECKING:
    from kinecheck.loading import Definitions

BLOCK = 1 << 15  # bytes of input scored (and written) together, about 60 answer sets
PARALLEL_MIN_BYTES = 1 << 20  # smaller files are scored in-process: workers cost ~10 ms
MAX_JOBS = 8
_HEADER = struct.Struct("<QQ")  # (first line number | invalid lines, payload length)


class Scorer:
    """Turns a block of input lines into output lines; built once per batch (and inherited)."""

    def __init__(self, defs: Definitions) -> None:
        import orjson

        from kinecheck.answers import AnswerValidator
        from kinecheck.assess import assessor_for

        self.validate = AnswerValidator(defs).validate  # checkers compiled once
        self.to_json = assessor_for(defs).to_json  # rules and report blocks prepared once
        self.loads, self.dumps, self.json_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError

    def __call__(self, first: int, block: bytes) -> tuple[bytes, int]:
        """The output for the lines of `block` (numbered from `first`), and how many failed."""
        loads, json_error, validate, to_json = (
            self.loads,
            self.json_error,
            self.validate,
            self.to_json,
        )
        out: list[bytes] = []
        add = out.append
        failed = 0
        lines = [line + b"\n" for line in block.split(b"\n")]  # as reading line by line gives
        last = lines.pop()[:-1]  # b"" after a final newline, else a last line without one
        if last:
            lines.append(last)
        for number, line in enumerate(lines, first):
            try:
                try:
                    raw = loads(line)
                except json_error as exc:
                    if not line.strip():
                        continue  # blank lines are allowed and give no output
                    raise AnswersError(
                        [AnswerProblem("(line)", f"not valid JSON: {exc}")]
                    ) from None
                add(to_json(validate(raw).answers))
            except AnswersError as exc:
                failed += 1
                add(self.dumps({"line": number, "errors": [p.as_dict() for p in exc.problems]}))
            add(b"\n")
        return b"".join(out), failed


def run(defs: Definitions, source: IO[bytes], sink: IO[bytes]) -> int:
    """Score every line of `source` into `sink`; return the number of invalid lines."""
    scorer = Scorer(defs)
    size = _regular_size(source)
    jobs = _jobs(size)
    if jobs > 1:
        return _parallel(scorer, source, sink, jobs)
    streaming = size is None  # a pipe or terminal: never keep the other end waiting
    failed, first = 0, 1
    for block in _blocks(source):
        out, bad = scorer(first, block)
        first += block.count(b"\n")
        failed += bad
        sink.write(out)
        if streaming:
            sink.flush()
    return failed


def _blocks(source: IO[bytes]) -> Iterator[bytes]:
    """Whole lines, about BLOCK bytes at a time, or as many as have arrived on a pipe."""
    read = getattr(source, "read1", source.read)
    rest = b""
    while data := read(BLOCK):
        if rest:
            data = rest + data
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            yield data[:cut]
    if rest:
        yield rest


def _regular_size(source: IO[bytes]) -> int | None:
    """The size of `source` if it is a regular file, else None (pipe, terminal, in memory)."""
    try:
        info = os.fstat(source.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _jobs(size: int | None) -> int:
    """Worker processes: KINECHECK_JOBS, else one per CPU for a large regular file."""
    wanted = os.environ.get("KINECHECK_JOBS", "").strip()
    if wanted:
        if not wanted.isdigit() or int(wanted) < 1:
            raise InputError(f"KINECHECK_JOBS must be a whole number of at least 1, not {wanted!r}")
        jobs = int(wanted)
    elif size is None or size < PARALLEL_MIN_BYTES or not hasattr(os, "sched_getaffinity"):
        return 1
    else:
        jobs = min(len(os.sched_getaffinity(0)), MAX_JOBS)
    return jobs if hasattr(os, "fork") else 1


# -- worker processes --------------------------------------------------------------------------


class _Worker:
    """A forked scorer: blocks in through one pipe, output out through another."""

    def __init__(self, scorer: Scorer, inherited: list[int]) -> None:
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            code = 1
            try:
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                for fd in (*inherited, to_child, from_child):  # or the others never see EOF
                    os.close(fd)
                _serve(scorer, os.fdopen(from_parent, "rb"), os.fdopen(to_parent, "wb"))
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(from_parent)
        os.close(to_parent)
        self.pid = pid
        self.fds = [to_child, from_child]
        self.send_to = os.fdopen(to_child, "wb")
        self.read_from = os.fdopen(from_child, "rb")

    def send(self, first: int, block: bytes) -> None:
        self.send_to.write(_HEADER.pack(first, len(block)))
        self.send_to.write(block)
        self.send_to.flush()

    def receive(self) -> tuple[bytes, int]:
        header = self.read_from.read(_HEADER.size)
        if len(header) == _HEADER.size:
            failed, size = _HEADER.unpack(header)
            out = self.read_from.read(size)
            if len(out) == size:
                return out, failed
        raise RuntimeError(f"scoring worker {self.pid} stopped unexpectedly (see above)")

    def stop(self, kill: bool) -> None:
        import contextlib
        import signal

        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        for stream in (self.send_to, self.read_from):
            with contextlib.suppress(OSError):
                stream.close()  # the worker sees EOF and exits
        os.waitpid(self.pid, 0)


def _serve(scorer: Scorer, blocks: IO[bytes], out: IO[bytes]) -> None:
    while header := blocks.read(_HEADER.size):
        first, size = _HEADER.unpack(header)
        data, failed = scorer(first, blocks.read(size))
        out.write(_HEADER.pack(failed, len(data)))
        out.write(data)
        out.flush()


def _parallel(scorer: Scorer, source: IO[bytes], sink: IO[bytes], jobs: int) -> int:
    for stream in (sink, sys.stdout, sys.stderr):  # nothing buffered may be forked
        stream.flush()
    workers: list[_Worker] = []
    ok = False
    try:
        for _ in range(jobs):
            workers.append(_Worker(scorer, [fd for w in workers for fd in w.fds]))
        idle, busy = list(workers), deque[_Worker]()  # busy: in the order of their blocks
        failed, first = 0, 1
        for block in _blocks(source):
            if idle:
                worker = idle.pop()
                worker.send(first, block)
            else:  # the oldest block's worker takes this one once its output is in
                worker = busy.popleft()
                out, bad = worker.receive()
                worker.send(first, block)
                sink.write(out)
                failed += bad
            busy.append(worker)
            first += block.count(b"\n")
        while busy:
            out, bad = busy.popleft().receive()
            sink.write(out)
            failed += bad
        ok = True
    finally:
        for worker in workers:
            worker.stop(kill=not ok)
    return failed

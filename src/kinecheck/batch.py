"""JSON Lines batch scoring: one report (or error record) per input line, in input order.

Memory stays flat whatever the input size: input is read in blocks of whole lines, and each
block is scored and written before more is read. A large regular file is shared out to
worker processes, forked once the definitions are compiled (so they start at once): block
by block in turn, each worker with one block at a time, results written in input order.
`KINECHECK_JOBS=N` sets the number of workers (1: score in this process). When the input is
a pipe or a terminal, each report is written as soon as its line has arrived.
"""

from __future__ import annotations

import array
import os
import stat
import struct
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from kinecheck.errors import AnswerProblem, AnswersError, InputError

if TYPE_CHECKING:
    from kinecheck.loading import Definitions

BLOCK = 1 << 16  # bytes of input scored (and written) together, about 120 answer sets
PARALLEL_MIN_BYTES = 1 << 20  # smaller files are scored in-process: workers cost ~10 ms
MAX_JOBS = 8
_HEADER = struct.Struct("<QQ")  # a block sent to a worker: its first line number, its size


class Scorer:
    """Turns a block of input lines into output lines; built once per batch (and inherited)."""

    def __init__(self, defs: Definitions) -> None:
        import orjson

        from kinecheck.answers import AnswerValidator
        from kinecheck.assess import assessor_for

        self.validate = AnswerValidator(defs).validate  # checkers compiled once
        self.json_parts = assessor_for(defs).json_parts  # rules and report blocks prepared once
        self.loads, self.dumps, self.json_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError

    def __call__(self, first: int, block: bytes) -> tuple[list[bytes], int]:
        """The output for the lines of `block` (numbered from `first`), and how many failed.

        Three pieces per line: a report's own start and its shared tail (see
        `Assessor.json_parts`), or an error record and b"", then a newline.
        """
        loads, json_error, validate = self.loads, self.json_error, self.validate
        json_parts = self.json_parts
        out: list[bytes] = []
        add, add_all = out.append, out.extend
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
                checked = validate(raw)
                if checked.warnings:  # rare: answers to questions that do not apply
                    _warn(number, checked.warnings)
                add_all(json_parts(checked.answers))
            except AnswersError as exc:
                failed += 1
                add(self.dumps({"line": number, "errors": [p.as_dict() for p in exc.problems]}))
                add(b"")
            add(b"\n")
        return out, failed


def _warn(number: int, warnings: list[str]) -> None:
    """Say on stderr, with the line number, which answers were ignored (as `assess` does)."""
    sys.stderr.write("".join(f"warning: line {number}: {w}\n" for w in warnings))
    sys.stderr.flush()


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
        sink.write(b"".join(out))
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
    """A forked scorer: blocks of input in through one pipe, output out through another.

    Most of a report is its tail (the plan's exercise blocks and the fixed texts), shared by
    every report with the same plan. A worker sends each distinct tail once and then only
    its number, so the pipe carries about a quarter of the output.
    """

    def __init__(self, scorer: Scorer, inherited: list[int]) -> None:
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        for fd in (to_child, to_parent):  # a whole block per write: fewer wake-ups
            _widen_pipe(fd)
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
        self.tails = [b""]  # tail number -> tail, as this worker numbered them

    def send(self, first: int, block: bytes) -> None:
        try:
            self.send_to.write(_HEADER.pack(first, len(block)))
            self.send_to.write(block)
            self.send_to.flush()
        except BrokenPipeError:  # not the user's pipe: must not pass for `| head` (exit 0)
            raise self._died() from None

    def _died(self) -> RuntimeError:
        return RuntimeError(f"scoring worker {self.pid} stopped unexpectedly (see above)")

    def receive(self) -> tuple[list[bytes | memoryview], int]:
        """The output of the block last sent (three pieces per line, as from Scorer)."""
        failed, tails_size, index_size, body_size = _RESULT.unpack(self._read(_RESULT.size))
        new_tails = memoryview(self._read(tails_size))
        while new_tails:
            (size,) = _SIZE.unpack(new_tails[: _SIZE.size])
            self.tails.append(bytes(new_tails[_SIZE.size : _SIZE.size + size]))
            new_tails = new_tails[_SIZE.size + size :]
        index = array.array("I")
        index.frombytes(self._read(index_size))
        body = memoryview(self._read(body_size))
        tails, pos = self.tails, 0
        out: list[bytes | memoryview] = []
        for i in range(0, len(index), 2):
            end = pos + index[i]
            out += (body[pos:end], tails[index[i + 1]], b"\n")
            pos = end
        return out, failed

    def _read(self, size: int) -> bytes:
        data = self.read_from.read(size)
        if len(data) != size:
            raise self._died()
        return data

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


def _widen_pipe(fd: int) -> None:
    """Give a pipe a 1 MiB buffer where Linux allows it (the default is 64 KiB)."""
    import contextlib
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)


_RESULT = struct.Struct("<QQQQ")  # invalid lines; sizes of new tails, index and body
_SIZE = struct.Struct("<Q")


def _serve(scorer: Scorer, blocks: IO[bytes], out: IO[bytes]) -> None:
    """The worker's loop: score each block received, send its output compactly."""
    numbers: dict[bytes, int] = {b"": 0}  # tail -> its number (tails are shared objects)
    while header := blocks.read(_HEADER.size):
        first, size = _HEADER.unpack(header)
        pieces, failed = scorer(first, blocks.read(size))
        starts = pieces[0::3]
        new_tails: list[bytes] = []
        index = array.array("I", [0]) * (2 * len(starts))  # (start length, tail number) pairs
        index[0::2] = array.array("I", map(len, starts))
        for i, tail in enumerate(pieces[1::3]):
            number = numbers.get(tail)
            if number is None:
                number = numbers[tail] = len(numbers)
                new_tails += (_SIZE.pack(len(tail)), tail)
            index[2 * i + 1] = number
        tails_blob, index_blob, body = b"".join(new_tails), index.tobytes(), b"".join(starts)
        out.write(_RESULT.pack(failed, len(tails_blob), len(index_blob), len(body)))
        out.write(tails_blob)
        out.write(index_blob)
        out.write(body)
        out.flush()


def _parallel(scorer: Scorer, source: IO[bytes], sink: IO[bytes], jobs: int) -> int:
    """Each worker has one block at a time; results are taken as they come, written in order."""
    import gc
    import selectors

    for stream in (sink, sys.stdout, sys.stderr):  # nothing buffered may be forked
        stream.flush()
    # Shared pages stay shared: without this, each worker's collector would walk (and so
    # copy) every object inherited from this process.
    gc.freeze()
    workers: list[_Worker] = []
    ok = False
    try:
        for _ in range(jobs):
            workers.append(_Worker(scorer, [fd for w in workers for fd in w.fds]))
        ready = selectors.DefaultSelector()
        for worker in workers:
            ready.register(worker.read_from, selectors.EVENT_READ, worker)
        blocks = _blocks(source)
        idle = list(workers)
        working: dict[_Worker, int] = {}  # worker -> number of the block it has
        done: dict[int, tuple[list[bytes | memoryview], int]] = {}  # at most `jobs` waiting
        sent = written = failed = 0
        first = 1
        while True:
            while idle and (block := next(blocks, None)) is not None:
                worker = idle.pop()
                worker.send(first, block)
                working[worker] = sent
                sent += 1
                first += block.count(b"\n")
            if not working:
                break
            for key, _ in ready.select():
                worker = key.data
                done[working.pop(worker)] = worker.receive()
                idle.append(worker)
            while written in done:
                out, bad = done.pop(written)
                sink.write(b"".join(out))
                failed += bad
                written += 1
        ok = True
    finally:
        for worker in workers:
            worker.stop(kill=not ok)
    return failed

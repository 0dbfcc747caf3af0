"""Batch scoring throughput: `kinecheck assess --format jsonl` beside a bare stdlib JSON loop.

Generates N answer sets from the questionnaire definition (seeded, generic over question
types), writes them to a temporary .jsonl file and runs, each as a subprocess:

* the real CLI: ``python -m kinecheck assess Q --answers FILE.jsonl --format jsonl``
* the bare loop: ``json.loads`` + ``json.dumps`` of every line, nothing else

Both write their output to a temporary file. Wall time is measured around the subprocess
(start-up included). Peak RSS comes from GNU ``/usr/bin/time -f %M`` where it exists, else
from ``os.wait4`` (Linux then counts the parent's own peak too, so this script generates the
input in a separate process and imports only the standard library, to keep that floor low).
Each command runs ``--repeat`` times, interleaved, and the median is reported. The CLI also
runs on N/10 lines, to show that memory does not grow with N.

Targets (see README.md): peak RSS flat in N; the rate is reported against the bare loop. The
batch path is the readable one (validate, `assess`, serialise the Report for every line): the
earlier pre-serialised fast path and forked workers were removed as not paying for themselves.

    python benchmarks/bench_batch.py               # 100,000 lines
    python benchmarks/bench_batch.py --lines 20000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BARE_LOOP = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as src:
    write = sys.stdout.write
    for line in src:
        write(json.dumps(json.loads(line)))
        write("\\n")
"""


# -- answer sets ----------------------------------------------------------------------------


def random_answer(question: Any, rng: random.Random) -> Any:
    """A valid answer to any question type, drawn from its definition."""
    from kinecheck.definitions.questionnaire import (
        Integer,
        MultiChoice,
        NumberBase,
        Scale,
        SingleChoice,
        Text,
        YesNo,
        choice_ids,
    )

    if isinstance(question, Integer | Scale):
        return rng.randint(int(question.min), int(question.max))
    if isinstance(question, NumberBase):
        return round(rng.uniform(question.min, question.max), 1)
    if isinstance(question, SingleChoice | YesNo):
        return rng.choice(choice_ids(question))
    if isinstance(question, MultiChoice):
        exclusive = [c.id for c in question.choices if c.exclusive]
        others = [c.id for c in question.choices if not c.exclusive]
        if exclusive and (not others or rng.random() < 0.5):
            return [rng.choice(exclusive)]
        return rng.sample(others, rng.randint(1, min(3, len(others))))
    if isinstance(question, Text):
        words = rng.randint(1, 6)
        return " ".join(
            "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 8))) for _ in range(words)
        )
    raise TypeError(f"no generator for {type(question).__name__}")


def answer_sets(defs: Any, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Endless valid answer sets: every applicable question answered (optional ones 80%)."""
    from kinecheck.scoring.answers import AnswerValidator

    validator = AnswerValidator(defs)
    while True:
        answers: dict[str, Any] = {}
        checked: dict[str, Any] = {}  # normalised values, as `when` conditions see them
        for qid, question in defs.questions.items():
            condition = defs.when.get(qid)
            if condition is not None and not condition(checked):
                continue
            if question.optional and rng.random() < 0.2:
                continue
            value = random_answer(question, rng)
            answers[qid] = value
            checked[qid] = validator.check_one(qid, value)[0]
        yield answers


def write_jsonl(path: Path, questionnaire: str, lines: int, seed: int) -> None:
    """Write `lines` generated answer sets, one JSON object per line."""
    import orjson

    from kinecheck import api

    sets = answer_sets(api.load(questionnaire), random.Random(seed))
    with path.open("wb") as out:
        for _ in range(lines):
            out.write(orjson.dumps(next(sets)))
            out.write(b"\n")


# -- measuring ------------------------------------------------------------------------------


GNU_TIME = "/usr/bin/time"


def has_gnu_time() -> bool:
    """True when /usr/bin/time is GNU time (it takes -f and -o)."""
    try:
        probe = [GNU_TIME, "-f", "%M", "-o", os.devnull, "true"]
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def run(
    cmd: list[str], out_path: Path, gnu_time: bool, env: dict[str, str]
) -> tuple[float, float, int]:
    """Run `cmd` with stdout to `out_path`: (seconds, peak RSS in MiB, exit code)."""
    rss_file = out_path.with_suffix(".rss")
    if gnu_time:
        cmd = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    err_path = out_path.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=errors, env={**os.environ, **env})
        # wait4 gives this one child's rusage (RUSAGE_CHILDREN would mix all children).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err_path.read_text()}")
    peak_kib = int(rss_file.read_text().split()[-1]) if gnu_time else usage.ru_maxrss
    return seconds, peak_kib / 1024, proc.returncode


def count_lines(path: Path) -> int:
    """Number of lines in a file."""
    with path.open("rb") as f:
        return sum(1 for _ in f)


def main() -> None:
    """Generate, run both sides interleaved, print the table and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="answer sets (100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (3)")
    parser.add_argument("--questionnaire", default="knee-pain")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.generate:
        write_jsonl(args.generate, args.questionnaire, args.lines, args.seed)
        return
    small = max(args.lines // 10, 1)
    gnu_time = has_gnu_time()

    with tempfile.TemporaryDirectory(prefix="kinecheck-bench-") as tmp:
        folder = Path(tmp)
        big_in, small_in = folder / "big.jsonl", folder / "small.jsonl"
        out = folder / "out.jsonl"
        t = time.perf_counter()
        for path, lines in ((big_in, args.lines), (small_in, small)):
            generate = [sys.executable, __file__, "--generate", str(path), "--lines", str(lines)]
            generate += ["--questionnaire", args.questionnaire, "--seed", str(args.seed)]
            subprocess.run(generate, check=True)
        print(
            f"generated {args.lines:,} + {small:,} answer sets for '{args.questionnaire}' "
            f"in {time.perf_counter() - t:.1f} s ({big_in.stat().st_size / 2**20:.1f} MiB)"
        )

        def cli(path: Path) -> list[str]:
            return [
                sys.executable,
                "-m",
                "kinecheck",
                "assess",
                args.questionnaire,
                "--answers",
                str(path),
                "--format",
                "jsonl",
            ]

        bare = [sys.executable, "-c", BARE_LOOP, str(big_in)]
        commands = [  # key, label, lines, command, extra environment
            ("bare", "bare json loop", args.lines, bare, {}),
            ("cli", "kinecheck jsonl", args.lines, cli(big_in), {}),
            ("cli_small", "kinecheck jsonl", small, cli(small_in), {}),
        ]
        results: dict[str, list[tuple[float, float]]] = {key: [] for key, *_ in commands}
        for _ in range(args.repeat):
            for key, _label, lines, cmd, env in commands:
                seconds, rss, code = run(cmd, out, gnu_time, env)
                got = count_lines(out)
                if code != 0 or got != lines:
                    sys.exit(f"{key}: exit {code}, {got} output lines for {lines} input lines")
                results[key].append((seconds, rss))

    def med(key: str, i: int) -> float:
        return statistics.median(r[i] for r in results[key])

    how = "GNU time" if gnu_time else "wait4, floored at this script's own peak"
    print(f"\nmedian of {args.repeat} runs, interleaved; wall time includes start-up;")
    print(f"peak RSS of the largest process, from {how}")
    print(
        f"{'command':<18}{'lines':>9}{'seconds':>10}{'lines/s':>11}{'peak RSS':>12}{'vs bare':>9}"
    )
    bare_rate = args.lines / med("bare", 0)
    for key, label, lines, _cmd, _env in commands:
        s = med(key, 0)
        rate = lines / s
        print(
            f"{label:<18}{lines:>9,}{s:>10.2f}{rate:>11,.0f}{med(key, 1):>9.1f} MiB"
            f"{rate / bare_rate:>9.2f}"
        )
    ratio = med("bare", 0) / med("cli", 0)
    growth = med("cli", 1) / med("cli_small", 1)
    print(
        f"\nkinecheck jsonl rate / bare rate: {ratio:.2f}; "
        f"peak RSS {args.lines:,} / {small:,} lines: {growth:.2f} (must stay ~1.0)"
    )


if __name__ == "__main__":
    main()

"""Start-up cost of the CLI, beside `python -c pass` measured in the same run.

Runs each command `--runs` times, interleaved (so a noisy neighbour hits all of them alike),
and prints the median wall time of each and its ratio to `python -c pass`.

Budgets (see README.md): `kinecheck --help` within 8x and
`kinecheck assess knee-pain --answers examples/desk-worker.yaml` within 20x of `python -c pass`
on its very first run, with no cache: the "first run" row gives every run an empty cache
folder of its own, so every run reads the YAML, validates it with pydantic and writes the
cache entry, as a new user's first command does. The other assess rows use the definitions
cache (written by the warm-up run), as every later run does. (The first quiz question is
timed by bench_take_startup.py.)

    python benchmarks/bench_startup.py --runs 21

Every command runs from compiled modules, as an installed package does (pip compiles them when
it installs): the script gives Python a byte-code folder of its own (PYTHONPYCACHEPREFIX, a
temporary folder unless `--pycache DIR` names one) and fills it in the warm-up run. Without
that, an environment with PYTHONDONTWRITEBYTECODE set (some sandboxes) would compile
kinecheck's modules again on every run, and time the compiler.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRESH_CACHE = "BENCH_FRESH_CACHE_IN"  # in a command's env: a new empty cache folder per run


def time_once(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run (output discarded; a failure stops the benchmark).

    An env with FRESH_CACHE gets a new, empty cache folder for this run (made before the
    clock starts).
    """
    if FRESH_CACHE in env:
        env = {**env, "KINECHECK_CACHE_DIR": tempfile.mkdtemp(dir=env[FRESH_CACHE])}
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return seconds


def main() -> None:
    """Time the commands interleaved and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command (21)")
    parser.add_argument("--pycache", type=Path, help="keep compiled modules in this folder")
    args = parser.parse_args()

    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        pycache = args.pycache or Path(scratch)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(pycache.resolve())
        env["KINECHECK_CACHE_DIR"] = str(Path(scratch, "cache"))  # never the user's own cache
        run(args.runs, env, python, scratch)


def run(runs: int, env: dict[str, str], python: str, scratch: str) -> None:
    """Warm up, time every command `runs` times interleaved, print the table."""
    cli = [python, "-m", "kinecheck"]
    assess = [*cli, "assess", "knee-pain", "--answers", "examples/desk-worker.yaml"]
    first_run = {**env, FRESH_CACHE: scratch}
    commands = [
        ("python -c pass", [python, "-c", "pass"], env, None),
        ("kinecheck --help", [*cli, "--help"], env, 8),
        ("kinecheck assess (text)", assess, env, None),
        ("kinecheck assess --format json", [*assess, "--format", "json"], env, None),
        ("kinecheck assess (text), first run, no cache", assess, first_run, 20),
    ]
    for _, cmd, cmd_env, _ in commands:  # warm the OS file cache (and the pycache, if any)
        time_once(cmd, cmd_env)
    times: dict[str, list[float]] = {label: [] for label, *_ in commands}
    for _ in range(runs):
        for label, cmd, cmd_env, _ in commands:
            times[label].append(time_once(cmd, cmd_env))

    base = statistics.median(times["python -c pass"])
    print(f"median of {runs} interleaved runs")
    print(f"{'command':<52}{'median ms':>10}{'vs pass':>9}  target")
    for label, _, _, target in commands:
        median = statistics.median(times[label])
        ratio = median / base
        verdict = (
            "" if target is None else f"<= {target}x " + ("ok" if ratio <= target else "MISSED")
        )
        print(f"{label:<52}{median * 1000:>10.1f}{ratio:>9.1f}  {verdict}")


if __name__ == "__main__":
    main()

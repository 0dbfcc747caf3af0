"""Start-up cost of the CLI, beside `python -c pass` measured in the same run.

Runs each command `--runs` times, interleaved (so a noisy neighbour hits all of them alike),
and prints the median wall time of each and its ratio to `python -c pass`.

Budgets (see README.md): `kinecheck --help` within 8x and
`kinecheck assess knee-pain --answers examples/desk-worker.yaml` within 20x of `python -c pass`
on its very first run, with no cache: the row "first run" sets KINECHECK_CACHE=off, so every
run reads the YAML and validates it with pydantic. The other assess rows use the definitions
cache (written by the warm-up run), as every later run does. (The first quiz question is
timed by bench_take_startup.py.)

    python benchmarks/bench_startup.py --runs 21

Python caches compiled modules in __pycache__ unless PYTHONDONTWRITEBYTECODE is set (as in
some sandboxes), in which case every run compiles kinecheck's own modules again; the script
says which case it measured. `--pycache DIR` also times the kinecheck commands with a
byte-code cache in DIR (PYTHONPYCACHEPREFIX, outside the source tree), in the same run, as an
installed package would start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_once(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run (output discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return seconds


def byte_code_cached(env: dict[str, str]) -> bool:
    """True when kinecheck runs from compiled modules: pip compiles an installed package,
    and an editable checkout keeps __pycache__ unless PYTHONDONTWRITEBYTECODE is set."""
    import importlib.util

    spec = importlib.util.find_spec("kinecheck.scoring.assess")
    if spec is None or spec.origin is None:
        return False
    if not env.get("PYTHONDONTWRITEBYTECODE"):
        return True
    return Path(importlib.util.cache_from_source(spec.origin)).exists()


def main() -> None:
    """Time the commands interleaved and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command (21)")
    parser.add_argument("--pycache", type=Path, help="cache compiled modules in this folder")
    args = parser.parse_args()

    python = sys.executable
    env = dict(os.environ)
    cli = [python, "-m", "kinecheck"]
    assess = [*cli, "assess", "knee-pain", "--answers", "examples/desk-worker.yaml"]
    kinecheck_commands = [
        ("kinecheck --help", [*cli, "--help"], 8),
        ("kinecheck assess (text)", assess, None),
        ("kinecheck assess --format json", [*assess, "--format", "json"], None),
    ]
    cached = " (byte-code cached)" if byte_code_cached(env) else ""
    commands = [("python -c pass", [python, "-c", "pass"], env, None)]
    commands += [(label + cached, cmd, env, target) for label, cmd, target in kinecheck_commands]
    if args.pycache:
        cache_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cache_env["PYTHONPYCACHEPREFIX"] = str(args.pycache.resolve())
        commands += [
            (label + " (byte-code cached)", cmd, cache_env, target)
            for label, cmd, target in kinecheck_commands
            if not cached
        ]
    first_run = {**commands[-1][2], "KINECHECK_CACHE": "off"}
    commands.append(("kinecheck assess (text), first run, no cache", assess, first_run, 20))
    for _, cmd, cmd_env, _ in commands:  # warm the OS file cache (and the pycache, if any)
        time_once(cmd, cmd_env)
    times: dict[str, list[float]] = {label: [] for label, *_ in commands}
    for _ in range(args.runs):
        for label, cmd, cmd_env, _ in commands:
            times[label].append(time_once(cmd, cmd_env))

    base = statistics.median(times["python -c pass"])
    print(f"median of {args.runs} interleaved runs")
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

"""Time from starting `kinecheck take` to its first question on screen, in a pseudo-terminal.

Beside it, in the same run, the start-up of a minimal questionary prompt (a bare `select`), so
the figure is a ratio that does not depend on the machine. Prints medians of several runs.

    .venv/bin/python benchmarks/bench_take_startup.py [--runs 15]

Every program runs from compiled modules, as an installed package does: Python gets a
byte-code folder of its own (PYTHONPYCACHEPREFIX, temporary), filled by the cold first run,
even where PYTHONDONTWRITEBYTECODE is set (some sandboxes), which would otherwise time the
compiler. The definitions cache is a temporary folder too, filled by that same cold run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

TARGET_RATIO = 1.5  # the budget of issue #7: at most 1.5x a bare questionary prompt
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MINIMAL = (
    "import questionary; "
    "questionary.select('Which knee hurts?', choices=['Left', 'Right', 'Both']).unsafe_ask()"
)
# The floor for any typer command that prompts: typer (which imports click and pydantic to
# parse options) plus the same select. kinecheck cannot start faster than this.
TYPER_FLOOR = """
from pathlib import Path
import typer
app = typer.Typer()
@app.command()
def take(name: str = "knee-pain", resume: bool = False, save: Path | None = None) -> None:
    import questionary
    questionary.select("Which knee hurts?", choices=["Left", "Right", "Both"]).unsafe_ask()
@app.command()
def other() -> None: ...
app()
"""


def first_screen(argv: list[str], expect: str, env: dict[str, str]) -> float:
    """Seconds from spawn until `expect` is on the terminal."""
    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", dimensions=(40, 120))
    try:
        child.expect(expect, timeout=30)
        return time.perf_counter() - start
    finally:
        child.terminate(force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TERM": "xterm",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "KINECHECK_DATA_DIR": data,  # sessions and the definitions cache
            "PYTHONPYCACHEPREFIX": str(Path(data, "pycache")),
        }
        for name in ("ACCESSIBLE", "KINECHECK_PLAIN", "NO_COLOR", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        take = [str(BIN / "kinecheck"), "take"]
        minimal = [sys.executable, "-c", MINIMAL]
        floor = [sys.executable, "-c", TYPER_FLOOR, "take"]
        # The first run is cold: it fills the OS file cache and kinecheck's definitions cache.
        cold = first_screen(take, "How old are you", env)
        first_screen(minimal, "Which knee hurts", env)
        first_screen(floor, "Which knee hurts", env)
        takes, minimals, floors = [], [], []
        for _ in range(args.runs):  # interleaved, so all see the same machine load
            takes.append(first_screen(take, "How old are you", env))
            minimals.append(first_screen(minimal, "Which knee hurts", env))
            floors.append(first_screen(floor, "Which knee hurts", env))
    t, m, f = (statistics.median(x) for x in (takes, minimals, floors))
    print(f"runs: {args.runs} each, interleaved, medians; cold first take: {cold * 1000:.0f} ms")
    print(f"kinecheck take, first question:  {t * 1000:7.1f} ms")
    print(f"minimal questionary select:      {m * 1000:7.1f} ms")
    print(f"typer command + same select:     {f * 1000:7.1f} ms (floor for a typer CLI)")
    print(f"ratio take / minimal: {t / m:.2f}x (target {TARGET_RATIO}x)")
    print(f"ratio floor / minimal: {f / m:.2f}x; take / floor: {t / f:.2f}x")


if __name__ == "__main__":
    main()

"""Loading definitions with and without the cache: knee-pain, a large file, a scored instrument.

Each row is a whole process (`python -c "api.load(...)"`), so imports count as they do for a
command: without the cache a load imports PyYAML and pydantic and validates the files; with
it, the validated data is read back from JSON. Runs are interleaved and medians reported,
beside `python -c pass` from the same run.

The large case is the bundled knee-pain questionnaire with a generated rules file: 200 point
rows (about 400 KB with their texts), the kind of file a clinic writes for a scored
instrument. The cache must never make it slower. The scored instrument is the clinic's LEFS
(examples/clinic: 20 valued items and one score, no findings, no exercise library).

    python benchmarks/bench_load.py --runs 11
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LEFS = ROOT / "examples" / "clinic" / "questionnaires" / "lefs.yaml"
LOAD = "from kinecheck import api; api.load({name!r})"


def large_rules(folder: Path, rows: int) -> Path:
    """A copy of the knee-pain files whose first finding has `rows` point rows."""
    for part in ("questionnaires", "rules"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("cases"))
    rules_path = folder / "rules" / "knee-pain.yaml"
    rules = yaml.safe_load(rules_path.read_text())
    because = "A made-up reason, long enough to look like real wording. " * 30
    rules["findings"][0]["points"] = [
        {
            "when": f"sitting_hours >= {i % 24} and age > {i % 90} or 'running' in sports",
            "points": 1,
            "because": f"{because} ({i})",
            "question": "sitting_hours",
        }
        for i in range(rows)
    ]
    rules_path.write_text(yaml.safe_dump(rules, sort_keys=False, width=1000))
    return folder / "questionnaires" / "knee-pain.yaml"


def once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = large_rules(Path(tmp) / "large", args.rows)
        size = (big.parent.parent / "rules" / "knee-pain.yaml").stat().st_size
        with_cache = {**os.environ, "KINECHECK_CACHE_DIR": str(Path(tmp) / "cache")}
        with_cache.pop("KINECHECK_CACHE", None)
        without = {**with_cache, "KINECHECK_CACHE": "off"}
        py = sys.executable
        rows = [
            ("python -c pass", [py, "-c", "pass"], without),
            ("knee-pain, no cache", [py, "-c", LOAD.format(name="knee-pain")], without),
            ("knee-pain, cached", [py, "-c", LOAD.format(name="knee-pain")], with_cache),
            (f"{args.rows}-row rules, no cache", [py, "-c", LOAD.format(name=str(big))], without),
            (f"{args.rows}-row rules, cached", [py, "-c", LOAD.format(name=str(big))], with_cache),
            ("LEFS (scores), no cache", [py, "-c", LOAD.format(name=str(LEFS))], without),
            ("LEFS (scores), cached", [py, "-c", LOAD.format(name=str(LEFS))], with_cache),
        ]
        for _, cmd, env in rows:  # warm-up: the OS file cache, and the cache entries
            once(cmd, env)
        times: dict[str, list[float]] = {label: [] for label, *_ in rows}
        for _ in range(args.runs):
            for label, cmd, env in rows:
                times[label].append(once(cmd, env))
    med = {label: statistics.median(t) for label, t in times.items()}
    base = med["python -c pass"]
    print(f"median of {args.runs} interleaved runs; large rules file: {size / 1024:.0f} KB")
    print(f"{'load':<32}{'ms':>8}{'vs pass':>9}")
    for label in med:
        print(f"{label:<32}{med[label] * 1000:>8.1f}{med[label] / base:>9.1f}")
    for name in ("knee-pain", f"{args.rows}-row rules", "LEFS (scores)"):
        cut = 1 - med[f"{name}, cached"] / med[f"{name}, no cache"]
        print(f"{name}: the cache removes {cut:.0%} of the load (keep it only if >= 33%)")


if __name__ == "__main__":
    main()

"""Run the CLI in a fresh interpreter and report what it printed and which modules it loaded.

Start-up tests look at `sys.modules` rather than at timings (those are in benchmarks/).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Standard output of `kinecheck ARGS` run to completion, and every module it imported."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.argv = ["kinecheck", *{list(args)!r}]
        from kinecheck.cli import main
        try:
            main()
        except SystemExit:
            pass
        sys.stdout.flush()
        sys.stdout.write("\\n--- modules ---\\n" + "\\n".join(sorted(sys.modules)) + "\\n")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    output, modules = done.stdout.split("\n--- modules ---\n", 1)
    return output, set(modules.split())

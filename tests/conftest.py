"""Keep the test suite out of the user's real snapshot cache.

`kinecheck.api.load` writes a snapshot of the loaded definitions to a cache folder
(`kinecheck.snapshot`). For the whole session KINECHECK_CACHE_DIR points at a temporary folder,
set in `os.environ` before anything is collected (some test modules load definitions on
import), so that the kinecheck subprocesses tests start inherit it too. KINECHECK_CACHE is
unset, so that a user's `off` does not change what the tests see. Tests that need an empty
cache of their own point KINECHECK_CACHE_DIR elsewhere again.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_ENV = ("KINECHECK_CACHE_DIR", "KINECHECK_CACHE")
_saved = {name: os.environ.get(name) for name in _ENV}
_folder: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="kinecheck-cache-")
    _folder.append(folder)
    os.environ["KINECHECK_CACHE_DIR"] = folder
    os.environ.pop("KINECHECK_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for folder in _folder:
        shutil.rmtree(folder, ignore_errors=True)

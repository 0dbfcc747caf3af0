"""Keep the test suite away from the user's own saved quiz sessions.

For the whole session KINECHECK_DATA_DIR points at a temporary folder, set in `os.environ`
before anything is collected, so that the kinecheck subprocesses tests start inherit it too.
Tests that need a data folder of their own point it elsewhere again.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_ENV = "KINECHECK_DATA_DIR"
_saved = os.environ.get(_ENV)
_folder: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="kinecheck-data-")
    _folder.append(folder)
    os.environ[_ENV] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if _saved is None:
        os.environ.pop(_ENV, None)
    else:
        os.environ[_ENV] = _saved
    for folder in _folder:
        shutil.rmtree(folder, ignore_errors=True)

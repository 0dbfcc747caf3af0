"""Placeholder: the clinic history commands (compare, progress) are being written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMMANDS: dict[str, Callable[..., Any]] = {}

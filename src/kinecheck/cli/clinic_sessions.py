"""Placeholder: the clinic session commands (sessions, report, note, override) are being written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMMANDS: dict[str, Callable[..., Any]] = {}

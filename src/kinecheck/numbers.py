"""How a number is written for people: one rule for messages, prompts and reports."""

from __future__ import annotations

from typing import Any


def number_text(value: Any) -> str:
    """A whole number without its '.0' (12.0 -> '12'); other values as `str` gives them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

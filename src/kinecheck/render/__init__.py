"""Renderers turn a Report into text, Markdown, HTML or JSON; they never change it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kinecheck.render.formats import FORMATS as _FORMATS

if TYPE_CHECKING:
    from kinecheck.scoring.report import Report

__all__ = ["FORMATS", "renderer"]

FORMATS = tuple(f.name for f in _FORMATS)  # the format names, for callers that loop over them


def renderer(fmt: str) -> Callable[[Report], str]:
    """The render function for a format name (imports only what that format needs)."""
    if fmt == "json":
        from kinecheck.render.jsonout import render
    elif fmt == "markdown":
        from kinecheck.render.markdown import render
    elif fmt == "html":
        from kinecheck.render.html import render
    elif fmt == "text":
        from kinecheck.render.text import render
    else:
        raise ValueError(f"unknown format '{fmt}'")
    return render

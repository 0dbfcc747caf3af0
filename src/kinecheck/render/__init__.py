"""Renderers turn a Report into text, Markdown, HTML or JSON; they never change it."""

from __future__ import annotations

from collections.abc import Callable

from kinecheck.scoring.report import Report

FORMATS = ("text", "json", "markdown", "html")


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

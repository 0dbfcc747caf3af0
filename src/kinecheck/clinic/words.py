"""The words a client is found by: `client list --search` matches the start of any of them."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORD = 200  # the column's width


def fold(text: str) -> str:
    """Lower case without accents, so 'Zoë' is found by 'zoe' and 'ZOË' alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_words(name: str, email: str | None = None) -> set[str]:
    """Every word of the name, and of the e-mail address, folded."""
    words = set(_WORD.findall(fold(name)))
    if email:
        folded = fold(email)
        words.add(folded[:MAX_WORD])  # the whole address too: 'ana@clinic' finds it
        words.update(_WORD.findall(folded))
    return {w[:MAX_WORD] for w in words if w}


def query_words(text: str) -> list[str]:
    """The words of a search; every one must start a word of the client's."""
    return sorted(set(_WORD.findall(fold(text))))

"""Did-you-mean suggestions for misspelt keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Names editors reach for from other generators, mapped to ours.
ALIASES = {"tags": "topics", "tag": "topics", "topic": "topics", "authors": "author",
           "description": "summary", "excerpt": "summary", "categories": "topics",
           "published": "date", "pubdate": "date", "lastmod": "updated", "modified": "updated"}


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The known name closest to ``word``, if any is close enough to suggest."""
    options = sorted(choices)
    lowered = word.lower()
    if lowered in ALIASES and ALIASES[lowered] in options:
        return ALIASES[lowered]
    import difflib  # only when a key is unknown: 3 ms of every build's start otherwise

    match = difflib.get_close_matches(lowered, options, n=1, cutoff=0.75)
    return match[0] if match else None


# Letters that Unicode does not decompose into a base letter and an accent.
_UNACCENTED = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "ħ": "h", "ı": "i"})


def fold(text: str) -> str:
    """``text`` without case and accents: "Việt Nam" and "viet nam" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_UNACCENTED)

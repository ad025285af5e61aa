"""Did-you-mean suggestions for misspelt keys."""

from __future__ import annotations

import difflib
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
    match = difflib.get_close_matches(lowered, options, n=1, cutoff=0.75)
    return match[0] if match else None

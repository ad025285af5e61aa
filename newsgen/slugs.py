"""URL slugs of titles and names: python-slugify's, always transliterated the same way."""

from __future__ import annotations

from functools import lru_cache

from slugify import slugify as _slugify


@lru_cache(maxsize=65_536)
def slugify(text: str) -> str:
    """python-slugify's slug of ``text``, with non-ASCII letters transliterated by
    text-unidecode (its dependency) even where Unidecode is installed, which its default
    would prefer and which spells some letters differently: an article's URL must not
    change because some other package brought Unidecode along. Naming the backend also
    spares the failed import of Unidecode python-slugify makes for every non-ASCII text
    otherwise (~170 µs a title).

    Remembered: topic and author names repeat across thousands of articles."""
    return str(_slugify(text, backend="text-unidecode"))

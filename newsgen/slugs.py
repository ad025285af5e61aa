"""URL slugs of titles and names: python-slugify's, always transliterated the same way."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=65_536)
def slugify(text: str) -> str:
    """python-slugify's slug of ``text``, with non-ASCII letters transliterated by
    text-unidecode (its dependency) even where Unidecode is installed, which its default
    would prefer and which spells some letters differently: an article's URL must not
    change because some other package brought Unidecode along. Naming the backend also
    spares the failed import of Unidecode python-slugify makes for every non-ASCII text
    otherwise (~170 µs a title).

    Remembered: topic and author names repeat across thousands of articles.

    ASCII text without an entity (nearly every headline) takes a shortcut to the same
    slug, ~3 µs rather than ~15 (``test_slugs`` holds the two to the same slugs): for it,
    python-slugify's pipeline drops commas between digits and joins the runs of letters
    and digits, lowercased, with dashes. python-slugify is imported for the first other
    text: its import (~13 ms) is a tenth of what a one-article rebuild imports."""
    if text.isascii() and "&" not in text:
        text = text.lower()
        if "," in text:
            text = _NUMBER_COMMA.sub("", text)
        return "-".join(_LETTERS_AND_DIGITS.findall(text))
    from slugify import slugify as full_slugify

    return str(full_slugify(text, backend="text-unidecode"))


_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d)")  # python-slugify's NUMBERS_PATTERN
_LETTERS_AND_DIGITS = re.compile(r"[a-z0-9]+")

"""Slugs are python-slugify's, also where newsgen takes a shortcut to them."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from slugify import slugify as python_slugify

from newsgen.slugs import slugify

# Headline-like ASCII: words, digits, thousands commas, apostrophes, quotes, dashes and
# punctuation, control characters; and, for the full pipeline, entities and accents.
_ASCII = st.lists(st.sampled_from([*string.printable, "'", "''", "1,000", "--", "\x00", "\x7f"]),
                  max_size=60).map("".join)
_OTHER = st.lists(st.sampled_from(["&amp;", "&#39;", "&eacute;", "&#x41;", "é", "Việt", "’",
                                   "ß", "a", " ", "'", "1,2"]), max_size=20).map("".join)


@settings(max_examples=500)
@given(st.one_of(_ASCII, _OTHER, st.text(max_size=30)))
def test_slugs_are_python_slugifys(text: str) -> None:
    slugify.cache_clear()
    assert slugify(text) == python_slugify(text, backend="text-unidecode")


def test_headlines() -> None:
    assert slugify("Viet Nam's rice exports: 1,000,000 tonnes -- a record!") == (
        "viet-nam-s-rice-exports-1000000-tonnes-a-record")
    assert slugify("Rock & roll") == "rock-roll"
    assert slugify("Việt Nam") == "viet-nam"

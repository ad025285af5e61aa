"""Which articles' bodies a page shows, noted while the page renders.

A page's fingerprint covers every displayed field of every article in its context *but
the body* (its "card": title, summary, date, topics…), plus the bodies of just those
articles whose body the page showed when it was last rendered. An edit to one article's
body then re-renders its own page and the feeds that carry it, not every listing where
its headline appears. This is exact: with the same templates, the same cards and the same
bodies of the articles it read, a page renders to the same bytes, because a template can
only branch on what it reads.

Bodies are read in two ways, both noted here: template attribute access (``article.
body_html``, ``|attr``, ``map(attribute=…)``: all go through ``TrackingEnvironment``), and
the Python code that puts bodies in feeds (``note`` in ``feeds.feed_content``).
"""

from __future__ import annotations

from typing import Any

import jinja2

from newsgen.models import Article

# Article fields that come from the Markdown body; every other field is the article's card.
BODY_FIELDS = frozenset({"body_html", "toc", "refs"})

_reads: set[str] = set()


def note(article: Article) -> None:
    """Record that the page being rendered shows ``article``'s body."""
    _reads.add(article.url)


def collect() -> tuple[str, ...]:
    """The URLs of the articles whose bodies were read since the last call, sorted."""
    found = tuple(sorted(_reads))
    _reads.clear()
    return found


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes every read of an article's body fields."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in BODY_FIELDS and type(obj) is Article:
            _reads.add(obj.url)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(obj) is Article and argument in BODY_FIELDS:
            _reads.add(obj.url)
        return super().getitem(obj, argument)

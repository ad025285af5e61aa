"""Which articles a page shows, noted while the page renders.

A page's fingerprint covers its context's structure, with each article in it as just its
URL (which articles, in which order, under which headings), plus the articles the page
actually read when it was last rendered: the card (every field but the body) of those it
showed a headline, date or summary of, and the body of those it showed in full. A
one-article edit then re-renders the pages that showed what changed, not every page whose
context holds the article (all the pages of its topics, say). This is exact: with the same
template, the same structure and the same values of what it read, a page renders to the
same bytes, because a template can only branch on what it reads.

Articles are read in two ways, both noted here: template attribute access (``article.
title``, ``|attr``, ``groupby``/``map``/``sort`` by attribute: all go through
``TrackingEnvironment``), and the Python code templates call with an article (the JSON-LD
and feed-content filters, the ``searchable`` test, the JSON Feed), which calls ``note``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import jinja2

from newsgen.digests import BODY_FIELDS
from newsgen.models import ARTICLE_TYPES, Article, ArticleRef

T = TypeVar("T")

_cards: set[str] = set()
_bodies: set[str] = set()


def note(article: Article | ArticleRef, *, body: bool = False) -> None:
    """Record that the page being rendered shows ``article``'s card (and its body)."""
    _cards.add(article.url)
    if body:
        _bodies.add(article.url)


def collect() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The URLs of the articles whose cards, and whose bodies, were read since the last
    call, each sorted."""
    found = tuple(sorted(_cards)), tuple(sorted(_bodies))
    _cards.clear()
    _bodies.clear()
    return found


Noted = tuple[frozenset[str], frozenset[str]]
"""Card and body URLs noted by one piece of a page (``noting``)."""


def noting(render: Callable[[], T]) -> tuple[T, Noted]:
    """``render()``, and what it noted, apart from what the page noted before (which is
    kept, with this added): for a piece of a page rendered once and shown again on other
    pages, which ``replay`` what it read."""
    global _cards, _bodies
    page_cards, page_bodies = _cards, _bodies
    _cards, _bodies = set(), set()
    try:
        result = render()
        noted = frozenset(_cards), frozenset(_bodies)
    finally:
        _cards, _bodies = page_cards, page_bodies
    replay(noted)
    return result, noted


def replay(noted: Noted) -> None:
    """Note for the page being rendered what a piece of it read when it was rendered."""
    cards, bodies = noted
    _cards.update(cards)
    _bodies.update(bodies)


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes every read of an article's fields.

    ``getattr`` and ``getitem`` run for every ``a.b`` and ``a[b]`` of every template, some
    150 times per article page: they do ``jinja2.Environment``'s work inline rather than
    through ``super()``, which costs as much again as the lookup (``test_reads`` checks
    that they answer as Jinja's do).
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in ARTICLE_TYPES:
            (_bodies if attribute in BODY_FIELDS else _cards).add(obj.url)
        # jinja2.Environment.getattr: the attribute, else the item, else undefined.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        # jinja2.Environment.getitem: the item, else the attribute (of a string), else
        # undefined. An article has no items (``groupby('date.day')`` asks one for its
        # "date" item first): no need to raise and catch the TypeError.
        if type(obj) in ARTICLE_TYPES:
            (_bodies if argument in BODY_FIELDS else _cards).add(obj.url)
        else:
            try:
                return obj[argument]
            except (AttributeError, TypeError, LookupError):
                pass
        if isinstance(argument, str):
            try:
                attr = str(argument)
            except Exception:
                pass
            else:
                try:
                    return getattr(obj, attr)
                except AttributeError:
                    pass
        return self.undefined(obj=obj, name=argument)

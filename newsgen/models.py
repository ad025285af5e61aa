"""The data a build works on: articles, topics and the site. Frozen values, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from newsgen.config import SiteConfig


class Tag(NamedTuple):
    """A topic as one article names it: display name and URL slug."""

    name: str
    slug: str


class Ref(NamedTuple):
    """A link (``<a href>``) or image (``<img src>``) in an article's body, as written."""

    tag: str  # "a" or "img"
    target: str  # the attribute's value, HTML entities decoded
    line: int  # 1-based line of the source file where the target is written
    alt: str | None = None  # an image's alt text (None: no alt attribute)


@dataclass(frozen=True, slots=True)
class Article:
    """One published (or held back) article, parsed and converted."""

    source_path: str  # as shown to the user, relative to the site root
    title: str
    date: datetime  # always timezone-aware
    slug: str
    url: str  # site URL, from the permalink pattern: "/2024/01/slug/"
    body_html: str
    summary: str
    source: str = ""
    source_url: str | None = None
    topics: tuple[Tag, ...] = ()
    authors: tuple[str, ...] = ()
    updated: datetime | None = None
    image: str | None = None
    image_alt: str | None = None
    draft: bool = False
    # Plain dict so that articles pickle across worker processes; treat it as read-only.
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # For cross-links and `newsgen check`: where things are written in the source file.
    refs: tuple[Ref, ...] = ()  # links and images of the body, in order
    key_lines: Mapping[str, int] = field(default_factory=dict, hash=False)  # keys set -> line

    @property
    def topic_slugs(self) -> tuple[str, ...]:
        return tuple(tag.slug for tag in self.topics)

    @property
    def modified(self) -> datetime:
        """When the article last changed: ``updated`` if set, else its date."""
        return self.updated if self.updated and self.updated > self.date else self.date


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic and its articles, newest first."""

    name: str
    slug: str
    articles: tuple[Article, ...]

    @property
    def url(self) -> str:
        return f"/topics/{self.slug}/"

    @property
    def feed_url(self) -> str:
        return f"/topics/{self.slug}/feed.xml"

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def latest(self) -> Article:
        return self.articles[0]


@dataclass(frozen=True)
class Site:
    """Everything known once all articles are loaded and indexed."""

    config: SiteConfig
    articles: tuple[Article, ...]  # published ones, newest first
    topics: tuple[Topic, ...]  # sorted by name
    related: Mapping[str, tuple[Article, ...]]  # article URL -> related articles
    held_back_drafts: int = 0
    held_back_future: int = 0

    def related_to(self, article: Article) -> tuple[Article, ...]:
        return self.related.get(article.url, ())

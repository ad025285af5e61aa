"""Plan every output file of the site as a small value, before anything is rendered.

The plan is what makes rendering parallel (pages are independent), builds incremental
and path collisions checkable: ``plan_pages`` is pure and cheap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from newsgen.models import Article, Site
from newsgen.search import any_searchable


@dataclass(frozen=True)
class Pagination:
    """Where one page of a paginated list sits among its siblings."""

    number: int
    total: int
    base_url: str  # URL of page 1, e.g. "/" or "/topics/asean/"

    def url_for(self, number: int) -> str:
        return self.base_url if number == 1 else f"{self.base_url}page/{number}/"

    @property
    def previous_url(self) -> str | None:
        return self.url_for(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_for(self.number + 1) if self.number < self.total else None


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template renders it, and with what."""

    url: str  # site URL: "/2024/01/slug/", "/feed.xml"
    template: str
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def output_path(self) -> str:
        """Path of the file inside the output folder (POSIX separators)."""
        path = self.url.lstrip("/")
        return path + "index.html" if path == "" or path.endswith("/") else path


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None


def plan_pages(site: Site) -> list[Page]:
    """Every page of the site, in a stable order."""
    return [*_article_pages(site), *_listing_pages(site), *_topic_pages(site),
            *_feed_pages(site), *_service_pages(site)]


def _article_pages(site: Site) -> Iterator[Page]:
    for article in site.articles:
        yield Page(article.url, "article.html",
                   _ctx(article=article, related=site.related_to(article)))


def paginate(items: Sequence[Article], per_page: int,
             base_url: str) -> Iterator[tuple[Sequence[Article], Pagination]]:
    total = max(1, -(-len(items) // per_page))
    for number in range(1, total + 1):
        chunk = items[(number - 1) * per_page : number * per_page]
        yield chunk, Pagination(number, total, base_url)


def _listing_pages(site: Site) -> Iterator[Page]:
    for chunk, pagination in paginate(site.articles, site.config.per_page, "/"):
        yield Page(pagination.url_for(pagination.number), "index.html",
                   _ctx(articles=chunk, pagination=pagination))


def _topic_pages(site: Site) -> Iterator[Page]:
    yield Page("/topics/", "topics.html", _ctx(topics=site.topics))
    for topic in site.topics:
        for chunk, pagination in paginate(topic.articles, site.config.per_page, topic.url):
            yield Page(pagination.url_for(pagination.number), "topic.html",
                       _ctx(topic=topic, articles=chunk, pagination=pagination))


def _feed_pages(site: Site) -> Iterator[Page]:
    limit = site.config.feed_limit
    yield Page("/feed.xml", "feed.xml",
               _ctx(feed_title=site.config.title, alternate_url="/",
                    articles=site.articles[:limit]))
    for topic in site.topics:
        yield Page(topic.feed_url, "feed.xml",
                   _ctx(feed_title=f"{topic.name} — {site.config.title}",
                        alternate_url=topic.url, articles=topic.articles[:limit]))


def _service_pages(site: Site) -> Iterator[Page]:
    entries = [SitemapEntry("/", site.articles[0].modified if site.articles else None),
               SitemapEntry("/topics/", None)]
    entries += [SitemapEntry(t.url, t.latest.modified) for t in site.topics]
    entries += [SitemapEntry(a.url, a.modified) for a in site.articles]
    yield Page("/sitemap.xml", "sitemap.xml", _ctx(entries=entries))
    yield Page("/robots.txt", "robots.txt")
    yield Page("/404.html", "404.html")
    if site.config.search:
        yield Page("/search/", "search.html",
                   _ctx(indexed=any_searchable(site.articles, site.config)))


def _ctx(**values: Any) -> Mapping[str, Any]:
    return MappingProxyType(values)

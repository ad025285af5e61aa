"""Plan every output file of the site as a small value, before anything is rendered.

The plan is what makes rendering parallel (pages are independent), builds incremental
and path collisions checkable: ``plan_pages`` is pure and cheap. HTML pages are planned
here; feeds and sitemaps in their own modules.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from newsgen.feeds import plan_feeds
from newsgen.models import ArticleGroup, Site
from newsgen.page import Page, Pagination, ctx, paginate
from newsgen.search import any_searchable
from newsgen.sitemaps import plan_sitemaps

__all__ = ["Page", "Pagination", "paginate", "plan_pages"]


def plan_pages(site: Site) -> list[Page]:
    """Every page of the site, in a stable order."""
    return [*_article_pages(site), *_listing_pages(site), *_topic_pages(site),
            *_author_pages(site), *_source_pages(site), *_archive_pages(site),
            *_corrections_pages(site), *plan_feeds(site), *plan_sitemaps(site),
            *_service_pages(site)]


def _article_pages(site: Site) -> Iterator[Page]:
    for article in site.articles:
        yield Page(article.url, "article.html",
                   ctx(article=article, related=site.related_to(article)))


def _listing_pages(site: Site) -> Iterator[Page]:
    for chunk, pagination in paginate(site.articles, site.config.per_page, "/"):
        yield Page(pagination.url_for(pagination.number), "index.html",
                   ctx(articles=chunk, pagination=pagination))


def _group_pages(groups: Sequence[ArticleGroup], per_page: int, singular: str,
                 plural: str) -> Iterator[Page]:
    """An index of topics, authors or sources (``/topics/`` with ``topics.html``), then each
    one's paginated list (``topic.html`` given ``topic``, ``articles``, ``pagination``)."""
    yield Page(f"/{plural}/", f"{plural}.html", ctx(**{plural: groups}))
    for group in groups:
        for chunk, pagination in paginate(group.articles, per_page, group.url):
            yield Page(pagination.url_for(pagination.number), f"{singular}.html",
                       ctx(**{singular: group}, articles=chunk, pagination=pagination))


def _topic_pages(site: Site) -> Iterator[Page]:
    return _group_pages(site.topics, site.config.per_page, "topic", "topics")


def _author_pages(site: Site) -> Iterator[Page]:
    return _group_pages(site.authors, site.config.per_page, "author", "authors")


def _source_pages(site: Site) -> Iterator[Page]:
    return _group_pages(site.sources, site.config.per_page, "source", "sources")


def _archive_pages(site: Site) -> Iterator[Page]:
    """/archive/, /archive/{year}/, /archive/{year}/{month}/: URLs that depend only on
    dates, so none of them shifts as new articles arrive (no offset pagination)."""
    yield Page("/archive/", "archive.html", ctx(years=site.archive, total=len(site.articles)))
    for year in site.archive:
        yield Page(year.url, "archive_year.html", ctx(year=year))
        for month in year.months:
            yield Page(month.url, "archive_month.html", ctx(month=month, year=year))


def _corrections_pages(site: Site) -> Iterator[Page]:
    yield Page("/corrections/", "corrections.html", ctx(corrections=site.corrections))


def _service_pages(site: Site) -> Iterator[Page]:
    yield Page("/robots.txt", "robots.txt")
    yield Page("/404.html", "404.html")
    if site.config.search:
        yield Page("/search/", "search.html",
                   ctx(indexed=any_searchable(site.articles, site.config)))


"""Plan every output file of the site as a small value, before anything is rendered.

The plan is what makes rendering parallel (pages are independent), builds incremental
and path collisions checkable: ``plan_pages`` is pure and cheap. HTML pages are planned
here; feeds and sitemaps in their own modules.
"""

from __future__ import annotations

from collections.abc import Iterator

from newsgen.feeds import plan_feeds
from newsgen.models import Site
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


def _topic_pages(site: Site) -> Iterator[Page]:
    yield Page("/topics/", "topics.html", ctx(topics=site.topics))
    for topic in site.topics:
        for chunk, pagination in paginate(topic.articles, site.config.per_page, topic.url):
            yield Page(pagination.url_for(pagination.number), "topic.html",
                       ctx(topic=topic, articles=chunk, pagination=pagination))


def _author_pages(site: Site) -> Iterator[Page]:
    yield Page("/authors/", "authors.html", ctx(authors=site.authors))
    for author in site.authors:
        for chunk, pagination in paginate(author.articles, site.config.per_page, author.url):
            yield Page(pagination.url_for(pagination.number), "author.html",
                       ctx(author=author, articles=chunk, pagination=pagination))


def _source_pages(site: Site) -> Iterator[Page]:
    yield Page("/sources/", "sources.html", ctx(sources=site.sources))
    for source in site.sources:
        for chunk, pagination in paginate(source.articles, site.config.per_page, source.url):
            yield Page(pagination.url_for(pagination.number), "source.html",
                       ctx(source=source, articles=chunk, pagination=pagination))


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


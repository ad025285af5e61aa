"""Sitemaps: ``/sitemap.xml`` (split into parts under an index above 50,000 URLs, as the
sitemaps protocol requires) and the Google News sitemap ``/news-sitemap.xml``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from newsgen.models import Article, Site
from newsgen.page import Page, ctx

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
NEWS_WINDOW = timedelta(hours=48)  # Google News: articles of the last two days
NEWS_LIMIT = 1_000  # Google News: at most 1,000 URLs per news sitemap


class SitemapEntry(NamedTuple):
    url: str
    lastmod: datetime | None


class ArticleEntry(NamedTuple):
    """An article's entry. It holds the article, not a copy of its URL, so the build
    cache knows which sitemaps list it: a headline edit that moves the article's URL
    renders those again (``quick``). Reading the URL here reads no article field (see
    ``reads``): what a sitemap shows of an article is part of its fingerprint's
    structure, as a headline or summary is not. (Named tuples: a sitemap holds one entry
    per article, and these pickle and digest faster than frozen dataclasses.)"""

    article: Article
    lastmod: datetime

    @property
    def url(self) -> str:
        return self.article.url


def _latest(articles: Iterable[Article]) -> datetime | None:
    return max((a.modified for a in articles), default=None)


def lists_urls(page: Page) -> bool:
    """Whether ``page`` shows the URLs of articles it does not read (see ``ArticleEntry``)."""
    return any(type(entry) is ArticleEntry for entry in page.context.get("entries", ()))


def sitemap_entries(site: Site) -> list[SitemapEntry | ArticleEntry]:
    """Every page worth indexing (first pages of listings, every article), with the time it
    last changed where one is known. One pass over each listing."""
    home_lastmod = _latest(site.articles[:1])
    entries: list[SitemapEntry | ArticleEntry] = [SitemapEntry("/", home_lastmod),
                                                  SitemapEntry("/topics/", home_lastmod)]
    entries += [SitemapEntry(t.url, t.latest.modified) for t in site.topics]
    entries.append(SitemapEntry("/authors/", home_lastmod))
    entries += [SitemapEntry(a.url, a.latest.modified) for a in site.authors]
    entries.append(SitemapEntry("/sources/", home_lastmod))
    entries += [SitemapEntry(s.url, s.latest.modified) for s in site.sources]
    archive: list[SitemapEntry] = []
    for year in site.archive:
        months = [SitemapEntry(m.url, _latest(m.articles)) for m in year.months]
        archive.append(SitemapEntry(year.url, max((m.lastmod for m in months if m.lastmod),
                                                  default=None)))
        archive += months
    entries.append(SitemapEntry("/archive/", max((e.lastmod for e in archive if e.lastmod),
                                                 default=None)))
    entries += archive
    entries.append(SitemapEntry("/corrections/", site.corrections[0].correction.date
                                if site.corrections else None))
    entries += [ArticleEntry(a, a.modified) for a in site.articles]
    return entries


def plan_sitemaps(site: Site, limit: int = SITEMAP_LIMIT) -> Iterator[Page]:
    """``/sitemap.xml`` as one urlset, or as an index of ``/sitemaps/sitemap-N.xml`` parts
    of at most ``limit`` URLs each; then the news sitemap."""
    entries = sitemap_entries(site)
    if len(entries) <= limit:
        yield Page("/sitemap.xml", "sitemap.xml", ctx(entries=entries))
    else:
        parts: list[SitemapEntry] = []
        for number, start in enumerate(range(0, len(entries), limit), start=1):
            chunk = entries[start : start + limit]
            url = f"/sitemaps/sitemap-{number}.xml"
            parts.append(SitemapEntry(url, max((e.lastmod for e in chunk if e.lastmod),
                                               default=None)))
            yield Page(url, "sitemap.xml", ctx(entries=chunk))
        yield Page("/sitemap.xml", "sitemap-index.xml", ctx(parts=parts))
    yield Page("/news-sitemap.xml", "news-sitemap.xml", ctx(articles=news_articles(site)))


def news_articles(site: Site) -> Sequence[Article]:
    """The articles published in the 48 hours up to the build time, newest first, at most
    1,000 (what Google News reads from a news sitemap)."""
    now = site.config.build_time
    since = now - NEWS_WINDOW
    found: list[Article] = []
    for article in site.articles:  # newest first: stop at the first one too old
        if article.date < since or len(found) == NEWS_LIMIT:
            break
        if article.date <= now:
            found.append(article)
    return found

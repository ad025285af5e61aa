"""Sitemaps: ``/sitemap.xml``, an index of parts (the listings, then one part per month
of articles), and the Google News sitemap ``/news-sitemap.xml``."""

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


def sitemap_groups(site: Site) -> list[tuple[str, list[SitemapEntry | ArticleEntry]]]:
    """The sitemap's parts by name: ``pages`` (every listing's first page), then each month
    of the archive (``2024-01``, newest first) with its articles, each entry with the time
    it last changed where one is known. One pass over each listing."""
    home_lastmod = _latest(site.articles[:1])
    pages: list[SitemapEntry | ArticleEntry] = [SitemapEntry("/", home_lastmod),
                                                SitemapEntry("/topics/", home_lastmod)]
    pages += [SitemapEntry(t.url, t.latest.modified) for t in site.topics]
    pages.append(SitemapEntry("/authors/", home_lastmod))
    pages += [SitemapEntry(a.url, a.latest.modified) for a in site.authors]
    pages.append(SitemapEntry("/sources/", home_lastmod))
    pages += [SitemapEntry(s.url, s.latest.modified) for s in site.sources]
    archive: list[SitemapEntry] = []
    months: list[tuple[str, list[SitemapEntry | ArticleEntry]]] = []
    for year in site.archive:
        month_entries = [SitemapEntry(m.url, _latest(m.articles)) for m in year.months]
        archive.append(SitemapEntry(year.url, _lastmod(month_entries)))
        archive += month_entries
        months += [(f"{m.year:04d}-{m.month:02d}", [ArticleEntry(a, a.modified)
                                                    for a in m.articles])
                   for m in year.months]
    pages.append(SitemapEntry("/archive/", _lastmod(archive)))
    pages += archive
    pages.append(SitemapEntry("/corrections/", site.corrections[0].correction.date
                              if site.corrections else None))
    return [("pages", pages), *months]


def _lastmod(entries: Iterable[SitemapEntry | ArticleEntry]) -> datetime | None:
    """The newest of the entries' times, for what lists them (a part, a listing)."""
    return max((e.lastmod for e in entries if e.lastmod), default=None)


def plan_sitemaps(site: Site, limit: int = SITEMAP_LIMIT) -> Iterator[Page]:
    """``/sitemap.xml``, an index of the parts under ``/sitemaps/`` (``pages.xml``, then
    ``2024-01.xml`` … newest first), each split into ``-2``, ``-3`` … above ``limit``
    URLs, as the protocol requires; then the news sitemap.

    Parts by month, as large newsrooms publish them: a day's publishing or an edit changes
    one small part, which is all a crawler fetches again (the index gives each part's
    lastmod) and all an incremental build renders again."""
    parts: list[SitemapEntry] = []
    for name, entries in sitemap_groups(site):
        for number, start in enumerate(range(0, len(entries), limit), start=1):
            chunk = entries[start : start + limit]
            url = f"/sitemaps/{name}.xml" if number == 1 else f"/sitemaps/{name}-{number}.xml"
            parts.append(SitemapEntry(url, _lastmod(chunk)))
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

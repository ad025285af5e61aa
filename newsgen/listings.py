"""Cross-article listings besides topics: authors, sources, the archive, corrections.

Each is built in one pass over the published articles (newest first), grouping by a key in
a dict: the cost grows with the number of articles, never with its square.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from newsgen.config import AuthorInfo
from newsgen.errors import Problem
from newsgen.models import (
    ArchiveMonth,
    ArchiveYear,
    Article,
    Author,
    CorrectionEntry,
    Source,
    Tag,
)


def canonical_bylines(articles: list[Article], infos: Mapping[str, AuthorInfo]
                      ) -> tuple[list[Article], list[Problem]]:
    """One display name per author slug in every byline: the config's ``name`` if it gives
    one, else the most used spelling (ties: the alphabetically first). Spellings merged
    without a configured name are reported as warnings, as merged topics are."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[tuple[str, str], str] = {}
    for article in articles:
        for tag in article.bylines:
            spellings[tag.slug][tag.name] += 1
            where.setdefault((tag.slug, tag.name), article.source_path)
    names: dict[str, str] = {}
    warnings: list[Problem] = []
    for slug, counts in sorted(spellings.items()):
        info = infos.get(slug)
        names[slug] = (info.name if info and info.name
                       else min(counts, key=lambda n: (-counts[n], n)))
        if len(counts) > 1 and not (info and info.name):
            for name in sorted(counts):
                if name != names[slug]:
                    warnings.append(Problem(where[(slug, name)],
                                            f"author '{name}' is merged into '{names[slug]}' "
                                            f"(both make the URL /authors/{slug}/)"))
    result = []
    for article in articles:
        bylines = tuple(Tag(names[t.slug], t.slug) for t in article.bylines)
        result.append(article if bylines == article.bylines
                      else dataclasses.replace(article, bylines=bylines))
    return result, warnings


def index_authors(articles: Iterable[Article],
                  infos: Mapping[str, AuthorInfo]) -> tuple[Author, ...]:
    """Every author with their articles in the order given, sorted by display name."""
    members: dict[Tag, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.bylines:
            members[tag].append(article)
    authors = []
    for tag, items in members.items():
        info = infos.get(tag.slug) or AuthorInfo()
        authors.append(Author(tag.name, tag.slug, tuple(items), bio=info.bio,
                              website=info.url))
    return tuple(sorted(authors, key=lambda a: (a.name.casefold(), a.slug)))


def index_sources(articles: Iterable[Article]) -> tuple[Source, ...]:
    """Every source with its articles in the order given, sorted by name. Names that
    slugify alike are one source, shown with its most used spelling."""
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        if article.source_slug:
            members[article.source_slug].append(article)
            spellings[article.source_slug][article.source] += 1
    sources = [Source(min(spellings[slug], key=lambda n: (-spellings[slug][n], n)), slug,
                      tuple(items))
               for slug, items in members.items()]
    return tuple(sorted(sources, key=lambda s: (s.name.casefold(), s.slug)))


def index_archive(articles: Iterable[Article]) -> tuple[ArchiveYear, ...]:
    """Articles by year and month of their date (in the site's time zone), newest first.

    The URLs (/archive/2024/01/) depend only on dates, so they stay put as articles arrive.
    """
    months: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for article in articles:
        months[(article.date.year, article.date.month)].append(article)
    years: dict[int, list[ArchiveMonth]] = defaultdict(list)
    for (year, month), items in sorted(months.items(), reverse=True):
        items.sort(key=lambda a: (-a.date.timestamp(), a.url))
        years[year].append(ArchiveMonth(year, month, tuple(items)))
    return tuple(ArchiveYear(year, tuple(ms)) for year, ms in years.items())


def list_corrections(articles: Iterable[Article]) -> tuple[CorrectionEntry, ...]:
    """Every correction of the site, newest first (ties: the article's URL)."""
    entries = [CorrectionEntry(c, a) for a in articles for c in a.corrections]
    entries.sort(key=lambda e: (-e.correction.date.timestamp(), e.article.url,
                                e.correction.text))
    return tuple(entries)

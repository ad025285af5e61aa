"""Cross-article data: which articles are published, topics, related lists.

Works on the full list of loaded articles and returns new values; it never modifies them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from newsgen.config import SiteConfig
from newsgen.errors import ContentError, Problem
from newsgen.listings import (
    canonical_bylines,
    index_archive,
    index_authors,
    index_sources,
    list_corrections,
)
from newsgen.models import Article, Site, Tag, Topic
from newsgen.related import related_articles
from newsgen.suggest import fold

RelatedFunction = Callable[[Sequence[Article], int], Mapping[str, tuple[Article, ...]]]



def build_site(articles: Iterable[Article], config: SiteConfig,
               related: RelatedFunction = related_articles) -> tuple[Site, list[Problem]]:
    """Select what is published, check URL collisions, index topics, related articles,
    authors, sources, the archive and corrections."""
    published: list[Article] = []
    drafts = future = embargoed = 0
    now = config.build_time
    next_publish: datetime | None = None
    for article in articles:
        if article.draft and not config.drafts:
            drafts += 1
            continue
        # An embargo holds even with --future: it is a promise to the source.
        release = article.embargo if article.embargo and article.embargo > now else None
        if article.date > now and not config.future:
            release = max(article.date, release) if release else article.date
        if release is None:
            published.append(article)
            continue
        if article.embargo and article.embargo > now:
            embargoed += 1
        else:
            future += 1
        if next_publish is None or release < next_publish:
            next_publish = release
    check_collisions(published)
    published, warnings = canonical_topics(published)
    published, author_warnings = canonical_bylines(published, config.authors)
    warnings += author_warnings
    published.sort(key=lambda a: (-a.date.timestamp(), a.url))
    topics = index_topics(published)
    site = Site(config=config, articles=tuple(published), topics=topics,
                related=related(published, config.related_limit),
                authors=index_authors(published, config.authors),
                sources=index_sources(published), archive=index_archive(published),
                corrections=list_corrections(published),
                held_back_drafts=drafts, held_back_future=future,
                held_back_embargoed=embargoed, next_publish=next_publish)
    return site, warnings


# First URL segments the site's own pages use; no article may take one.
RESERVED = ("topics", "authors", "sources", "archive", "corrections", "sitemaps", "page",
            "static", "search", "pagefind", "feed.xml", "rss.xml", "feed.json",
            "sitemap.xml", "news-sitemap.xml", "robots.txt", "404.html")


def check_collisions(articles: Iterable[Article]) -> None:
    """Two articles that would write one URL are an error naming both files."""
    owner: dict[str, Article] = {}
    problems: list[Problem] = []
    for article in sorted(articles, key=lambda a: a.source_path):
        first_segment = article.url.strip("/").split("/")[0]
        if first_segment in RESERVED:
            problems.append(Problem(article.source_path,
                                    f"URL {article.url} would overwrite the site's own "
                                    f"'/{first_segment}' pages: change 'slug' or 'permalink'"))
        earlier = owner.setdefault(article.url, article)
        if earlier is not article:
            problems.append(Problem(article.source_path,
                                    f"URL {article.url} is already used by "
                                    f"{earlier.source_path}: give one of them another 'slug'"))
    if problems:
        raise ContentError(problems)


def canonical_topics(articles: list[Article]) -> tuple[list[Article], list[Problem]]:
    """Topic names that slugify alike are one topic: all articles show its most used
    spelling (ties: the alphabetically first). Merged spellings are reported as warnings."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[tuple[str, str], tuple[str, int | None]] = {}
    for article in articles:
        for tag in article.topics:
            spellings[tag.slug][tag.name] += 1
            where.setdefault((tag.slug, tag.name),
                             (article.source_path, article.key_lines.get("topics")))
    canonical = {slug: min(names, key=lambda n: (-names[n], n))
                 for slug, names in spellings.items()}
    warnings = []
    for slug, names in sorted(spellings.items()):
        if len(names) > 1:
            for name in sorted(names):
                main = canonical[slug]
                if name != main:
                    hint = (f"differs from '{main}' only by case or accents (did you mean "
                            f"'{main}'?): it " if fold(name) == fold(main) else "")
                    path, line = where[(slug, name)]
                    warnings.append(Problem(path, f"topic '{name}' {hint}is merged into "
                                                  f"'{main}' (both make the URL /topics/{slug}/)",
                                            line))
    result = []
    for article in articles:
        tags = tuple(Tag(canonical[t.slug], t.slug) for t in article.topics)
        result.append(article if tags == article.topics
                      else dataclasses.replace(article, topics=tags))
    return result, warnings


def index_topics(articles: list[Article]) -> tuple[Topic, ...]:
    """Every topic with its articles in the order given (newest first), sorted by name."""
    members: dict[Tag, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.topics:
            members[tag].append(article)
    return tuple(Topic(tag.name, tag.slug, tuple(items))
                 for tag, items in sorted(members.items(),
                                          key=lambda kv: (kv[0].name.casefold(), kv[0].slug)))

"""Cross-article data: which articles are published, topics, related lists.

Works on the full list of loaded articles and returns new values; it never modifies them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable

from newsgen.config import SiteConfig
from newsgen.errors import ContentError, Problem
from newsgen.models import Article, Site, Tag, Topic
from newsgen.related import related_articles
from newsgen.suggest import fold


def build_site(articles: Iterable[Article], config: SiteConfig) -> tuple[Site, list[Problem]]:
    """Select what is published, check URL collisions, index topics and related articles."""
    published: list[Article] = []
    drafts = future = 0
    for article in articles:
        if article.draft and not config.drafts:
            drafts += 1
        elif article.date > config.build_time and not config.future:
            future += 1
        else:
            published.append(article)
    check_collisions(published)
    published, warnings = canonical_topics(published)
    published.sort(key=lambda a: (-a.date.timestamp(), a.url))
    topics = index_topics(published)
    related = related_articles(published, config.related_limit)
    site = Site(config=config, articles=tuple(published), topics=topics, related=related,
                held_back_drafts=drafts, held_back_future=future)
    return site, warnings


RESERVED = ("topics", "page", "static", "feed.xml", "sitemap.xml", "robots.txt", "404.html",
            "search", "pagefind")


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

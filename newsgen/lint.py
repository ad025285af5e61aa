"""Editorial warnings that ``newsgen check`` adds to those of a build.

A build accepts these articles (a summary defaults to the first paragraph, a source is
optional); a desk editor still wants to hear about them before publishing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from newsgen.errors import Problem
from newsgen.models import Article


def lint_articles(articles: Sequence[Article]) -> list[Problem]:
    """Warnings for every article, sorted by file and line."""
    problems = [*duplicate_titles(articles)]
    for article in articles:
        problems += lint_article(article)
    return sorted(problems, key=lambda p: (p.path, p.line or 0))


def lint_article(article: Article) -> Iterator[Problem]:
    path, lines = article.source_path, article.key_lines
    if not article.source:
        yield Problem(path, "no 'source': name the outlet or agency (or set a default "
                            "'source' in newsgen.yaml)")
    if "summary" not in lines:
        yield Problem(path, "no 'summary': the first paragraph is used as the teaser; "
                            "write one for the home page, feeds and search results")
    if article.image and not article.image_alt:
        yield Problem(path, "'image' has no 'image_alt': describe the picture for readers "
                            "who cannot see it", lines.get("image"))
    for ref in article.refs:
        if ref.tag == "img" and not (ref.alt or "").strip():
            yield Problem(path, f"image '{ref.target}' has no alt text: describe it, as in "
                                f"![A flooded street in Cần Thơ]({ref.target})", ref.line)


def duplicate_titles(articles: Iterable[Article]) -> Iterator[Problem]:
    """Articles sharing one headline (ignoring case and spacing) confuse readers and search."""
    by_title: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_title[" ".join(article.title.casefold().split())].append(article)
    for group in by_title.values():
        if len(group) > 1:
            group.sort(key=lambda a: a.source_path)
            for article in group[1:]:
                yield Problem(article.source_path,
                              f"title '{article.title}' is also the title of "
                              f"{group[0].source_path}", article.key_lines.get("title"))

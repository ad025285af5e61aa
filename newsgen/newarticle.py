"""``newsgen new``: start an article file with complete front matter.

``article_text`` makes the text (pure); ``write_new_article`` picks the path and creates the
file, never replacing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from newsgen.config import SiteConfig
from newsgen.content import parse_article
from newsgen.errors import ContentError, NewsgenError, display_path
from newsgen.slugs import slugify

PLACEHOLDER = (
    "Write the story here. The first paragraph is the teaser on the home page and in "
    "feeds, unless `summary` is set.\n\n"
    "Link to another story by its file, e.g. `[earlier story](../2023/other-story.md)`.\n"
)


def article_text(title: str, date: datetime, *, topics: Sequence[str] = (),
                 source: str | None = None, authors: Sequence[str] = (),
                 draft: bool = True) -> str:
    """A new article: every front-matter key, with the values given and the rest empty.

    Values are written by PyYAML, so any title (quotes, colons, ``#``, non-ASCII) reads back
    as typed.
    """
    author: Any = authors[0] if len(authors) == 1 else (list(authors) or None)
    lines = [
        yaml_entry("title", " ".join(title.split())),
        f"date: {date.isoformat(sep=' ', timespec='seconds')}",
        yaml_entry("author", author),
        yaml_entry("source", source or None),
        yaml_entry("source_url", None),
        yaml_entry("topics", list(topics) or None),
        yaml_entry("summary", None),
        yaml_entry("image", None),
        yaml_entry("image_alt", None),
        yaml_entry("draft", draft),
    ]
    return "---\n" + "\n".join(lines) + "\n---\n" + PLACEHOLDER


def yaml_entry(key: str, value: object) -> str:
    if value is None:
        return f"{key}:"
    # Lists in flow style ("topics: [A, B]"), the key itself always in block style.
    flow = None if isinstance(value, list) else False
    dumped: str = yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=flow,
                                 width=1 << 30)
    return dumped.rstrip("\n")


def split_topics(text: str | None) -> list[str]:
    """``"Economy, Việt Nam"`` → ``["Economy", "Việt Nam"]``: trimmed, no empties, no repeats."""
    names = (" ".join(part.split()) for part in (text or "").split(","))
    return list(dict.fromkeys(name for name in names if name))


def new_article_path(config: SiteConfig, title: str, date: datetime) -> Path:
    slug = slugify(title)
    if not slug:
        raise NewsgenError(f"the title {title!r} has no letters or digits to make a file "
                           f"name from")
    return config.articles_dir / f"{date.year:04d}" / f"{slug}.md"


def write_new_article(config: SiteConfig, title: str, now: datetime, *,
                      topics: Sequence[str] = (), source: str | None = None,
                      authors: Sequence[str] = (), draft: bool = True) -> Path:
    """Create ``articles/{year}/{slug}.md`` dated ``now`` in the site's time zone."""
    if not title.strip():
        raise NewsgenError("the title is empty")
    date = now.astimezone(config.tz).replace(microsecond=0)
    path = new_article_path(config, title, date)
    text = article_text(title, date, topics=topics, source=source, authors=authors,
                        draft=draft)
    # Refuse what a build would refuse (an author or topic with no letters, say) before
    # anything is written, rather than leave a file that breaks the next build.
    try:
        parse_article(text, display_path(path, config.root), config)
    except ContentError as exc:
        raise NewsgenError("not written: " + "; ".join(p.message for p in exc.problems)) \
            from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise NewsgenError(f"{display_path(path, config.root)} already exists: not "
                           f"overwritten (edit it, or choose another title)") from None
    return path

"""Articles from Markdown files: ``parse_article`` works on text, ``load_articles`` reads files."""

from __future__ import annotations

import stat
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slugify import slugify

from newsgen.config import SiteConfig
from newsgen.errors import ContentError, Problem, display_path
from newsgen.frontmatter import FrontMatter, FrontMatterError, split_front_matter
from newsgen.markup import first_paragraph_text, truncate_words
from newsgen.models import Article, Tag
from newsgen.parallel import map_chunks
from newsgen.rawhtml import body_to_html
from newsgen.suggest import did_you_mean
from newsgen.walk import walk_files

KNOWN_KEYS = frozenset({
    "title", "date", "source", "source_url", "topics", "summary", "author", "slug",
    "updated", "image", "image_alt", "draft",
})


class _Checker:
    """Collects the problems of one article so they are all reported together."""

    def __init__(self, source: str, fm: FrontMatter) -> None:
        self.source = source
        self.fm = fm
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, key: str, message: str) -> None:
        # A missing key (or one written in flow style) has no line of its own: point at
        # the front matter's opening '---'.
        self.errors.append(Problem(self.source, message, self.fm.line_of(key) or 1))

    def missing(self, key: str) -> None:
        """A required key is absent or empty; point at a misspelling of it if there is one."""
        if key in self.fm.data:
            self.error(key, f"'{key}' is empty")
            return
        for other in self.fm.data:
            if other not in KNOWN_KEYS and did_you_mean(other, KNOWN_KEYS) == key:
                self.error(other, f"'{key}' is missing (is '{other}' a misspelling of it?)")
                return
        self.error(key, f"'{key}' is missing")

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(Problem(self.source, message, self.fm.line_of(key) or 1))

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.fm.data.get(key)
        if value is None:
            if required:
                self.missing(key)
            return None
        if not isinstance(value, str):
            hint = " (put it in quotes)" if isinstance(value, int | float) else ""
            self.error(key, f"'{key}' must be text, not {_describe(value)}{hint}")
            return None
        value = " ".join(value.split())
        if required and not value:
            self.missing(key)
            return None
        return value or None

    def names(self, key: str, *, split: bool = True) -> tuple[str, ...]:
        """A list of names, or one string of them: comma-separated when ``split``."""
        value = self.fm.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items: list[Any] = value.split(",") if split else [value]
        elif isinstance(value, list):
            items = value
        else:
            self.error(key, f"'{key}' must be a list or a "
                            f"{'comma-separated ' if split else ''}string, not {_describe(value)}")
            return ()
        names: list[str] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.error(key, f"'{key}' entries must be text, not {_describe(item)}")
                continue
            name = " ".join(str(item).split())
            if name:
                names.append(name)
        return tuple(names)

    def when(self, key: str, config: SiteConfig, *, required: bool = False) -> datetime | None:
        value = self.fm.data.get(key)
        if value is None:
            if required:
                self.missing(key)
            return None
        try:
            return parse_datetime(value, config)
        except ValueError as exc:
            self.error(key, f"'{key}': {exc}")
            return None

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        if not is_safe_url(value):
            self.error(key, f"'{key}' must be an http(s) URL or a path on this site, "
                            f"not '{value}'")
            return None
        return value


def parse_datetime(value: object, config: SiteConfig) -> datetime:
    """A front-matter date: a date, a datetime, or an ISO 8601 string. No offset means
    the site's time zone. The result is expressed in the site's time zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{text}' is not a valid date (use ISO 8601, e.g. 2024-01-30 or "
                f"2024-01-30 09:15:00+07:00)"
            ) from None
    else:
        raise ValueError(f"expected a date like 2024-01-30, not {_describe(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.tz)
    try:
        return moment.astimezone(config.tz)
    except OverflowError:  # 9999-12-31 23:00-05:00 is in the year 10000 in UTC
        raise ValueError(f"'{value}' is out of the range of dates") from None


def is_safe_url(value: str) -> bool:
    """Only web links and site paths may become links: no ``javascript:``, ``data:`` …"""
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return False  # browsers drop some control characters: "java\x0bscript:"
    parts = urlsplit(value)
    if parts.scheme:
        return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    return not value.startswith("//") and "\\" not in value


def article_url(permalink: str, moment: datetime, slug: str) -> str:
    return permalink.format(year=f"{moment.year:04d}", month=f"{moment.month:02d}",
                            day=f"{moment.day:02d}", slug=slug)


def parse_article(text: str, source: str, config: SiteConfig) -> tuple[Article, list[Problem]]:
    """Parse one article's text. Returns the article and its warnings;
    raises ``ContentError`` with every problem found in it."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ContentError([Problem(source, "contains a NUL byte: not a text file?", line)])
    try:
        fm = split_front_matter(text, source)
    except FrontMatterError as exc:
        raise ContentError([exc.problem]) from exc
    check = _Checker(source, fm)

    title = check.text("title", required=True)
    moment = check.when("date", config, required=True)
    updated = check.when("updated", config)
    source_name = check.text("source") or config.source
    source_url = check.url("source_url")
    summary = check.text("summary")
    authors = check.names("author", split=False)  # "Doe, Jane" is one person
    image = check.url("image")
    image_alt = check.text("image_alt")
    draft = fm.data.get("draft", False)
    if not isinstance(draft, bool):
        check.error("draft", f"'draft' must be true or false, not {_describe(draft)}")
        draft = False

    slug_text = check.text("slug")
    slug = slugify(slug_text or title or "")
    if (slug_text or title) and not slug:
        key = "slug" if slug_text else "title"
        check.error(key, f"'{key}' has no letters or digits to make a URL from: "
                         f"set 'slug' to a few plain words")

    tags: dict[str, Tag] = {}
    for name in check.names("topics"):
        topic_slug = slugify(name)
        if not topic_slug:
            check.error("topics", f"topic '{name}' has no letters or digits to make a URL from")
        else:
            tags.setdefault(topic_slug, Tag(name, topic_slug))

    extra = {}
    for key, value in fm.data.items():
        if key in KNOWN_KEYS:
            continue
        extra[key] = value
        hint = did_you_mean(key, KNOWN_KEYS)
        check.warn(key, f"unknown front-matter key '{key}'"
                        + (f" (did you mean '{hint}'?)" if hint else "")
                        + ": kept as article.extra")

    if not fm.body.strip():
        check.errors.append(Problem(source, "the article has no text: write it below the "
                                            "closing '---'", fm.body_line - 1))

    if check.errors:
        raise ContentError(check.errors)
    assert title is not None and moment is not None

    body_html = body_to_html(fm.body, config.markdown_engine, config.body_html)
    if summary is None:
        summary = truncate_words(first_paragraph_text(body_html), config.summary_length)
    article = Article(
        source_path=source, title=title, date=moment, slug=slug,
        url=article_url(config.permalink, moment, slug), body_html=body_html,
        summary=summary, source=source_name, source_url=source_url,
        topics=tuple(tags.values()), authors=authors, updated=updated, image=image,
        image_alt=image_alt, draft=draft, extra=extra,
    )
    return article, check.warnings


def find_article_files(config: SiteConfig, warnings: list[Problem] | None = None,
                       errors: list[Problem] | None = None) -> Iterator[Path]:
    """Every ``.md`` file under the articles folder, sorted; hidden files are skipped and
    symlinks leading outside the site are not followed (see ``walk_files``)."""
    for path in walk_files(config.articles_dir, config.root,
                           [] if warnings is None else warnings,
                           [] if errors is None else errors, hidden_dirs=(".", "_")):
        if path.name.endswith(".md"):
            yield path


def read_article(path: Path, config: SiteConfig) -> tuple[Article, list[Problem]]:
    """Read one file and parse it; decoding problems become ``ContentError``."""
    source = display_path(path, config.root)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ContentError([Problem(source, "not a regular file (a pipe or a device?): "
                                            "not read")])
    limit = config.max_article_mb * 1024 * 1024
    if info.st_size > limit:
        raise ContentError([Problem(
            source, f"{info.st_size / 1024 / 1024:.1f} MB is more than max_article_mb "
                    f"({config.max_article_mb} MB): split the article, or raise "
                    f"max_article_mb in newsgen.yaml")])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ContentError([Problem(source, "saved as UTF-16 text: save the file as "
                                                "UTF-8", 1)]) from exc
        line = data.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            [Problem(source, f"not valid UTF-8 text (byte 0x{data[exc.start]:02x}); "
                             f"save the file as UTF-8", line)]
        ) from exc
    return parse_article(text, source, config)


Loaded = tuple[list[Article], list[Problem], list[Problem]]  # articles, warnings, errors


def load_articles(config: SiteConfig, jobs: int = 1) -> tuple[list[Article], list[Problem]]:
    """Read every article, across ``jobs`` processes. All content errors of all files are
    raised together."""
    if not config.articles_dir.is_dir():
        raise ContentError([Problem(display_path(config.articles_dir, config.root),
                                    "articles folder not found")])
    articles: list[Article] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    paths = list(find_article_files(config, warnings, errors))
    for found, warned, failed in map_chunks(partial(_read_chunk, config=config), paths, jobs):
        articles += found
        warnings += warned
        errors += failed
    if errors:
        raise ContentError(errors)
    return articles, warnings


def _read_chunk(paths: Sequence[Path], config: SiteConfig) -> Loaded:
    articles: list[Article] = []
    warnings: list[Problem] = []
    errors: list[Problem] = []
    root = config.root
    for path in paths:
        try:
            article, found = read_article(path, config)
        except ContentError as exc:
            errors.extend(exc.problems)
        except OSError as exc:
            errors.append(Problem(display_path(path, root), f"cannot read: {exc.strerror}"))
        else:
            articles.append(article)
            warnings.extend(found)
    return articles, warnings, errors


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"'{value}'"
    return type(value).__name__

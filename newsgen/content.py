"""Articles from Markdown files: ``parse_article`` works on text, ``load_articles`` reads files."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import os
import pickle
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from newsgen.config import SiteConfig
from newsgen.digests import article_digests
from newsgen.errors import ContentError, Problem, display_path
from newsgen.frontmatter import FrontMatter, FrontMatterError, split_front_matter
from newsgen.links import find_refs
from newsgen.markup import first_paragraph_text, truncate_words, word_count
from newsgen.models import Article, Correction, Heading, Tag, encode_body
from newsgen.parallel import map_chunks
from newsgen.progress import Progress
from newsgen.rawhtml import convert_body
from newsgen.slugs import slugify
from newsgen.suggest import did_you_mean
from newsgen.walk import walk_files

KNOWN_KEYS = frozenset({
    "title", "date", "source", "source_url", "topics", "summary", "author", "slug",
    "updated", "image", "image_alt", "draft", "corrections", "embargo", "toc",
})
CORRECTION_KEYS = ("date", "text")
WORDS_PER_MINUTE = 230  # a common estimate of adult silent reading speed


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

    def flag(self, key: str) -> bool:
        value = self.fm.data.get(key, False)
        if not isinstance(value, bool):
            self.error(key, f"'{key}' must be true or false, not {_describe(value)}")
            return False
        return value

    def corrections(self, config: SiteConfig) -> tuple[Correction, ...]:
        """``corrections:`` — a list of {date, text}; returned oldest first."""
        value = self.fm.data.get("corrections")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("corrections", f"'corrections' must be a list of entries with a date "
                                      f"and a text, not {_describe(value)}")
            return ()
        found: list[Correction] = []
        for number, entry in enumerate(value, start=1):
            where = f"'corrections' entry {number}"
            if not isinstance(entry, dict):
                self.error("corrections", f"{where} must be a mapping with 'date' and 'text', "
                                          f"not {_describe(entry)}")
                continue
            unknown = sorted(str(k) for k in entry if k not in CORRECTION_KEYS)
            hinted = set()  # a misspelt key is reported once, not also as missing
            for key in unknown:
                hint = did_you_mean(key, CORRECTION_KEYS)
                hinted.add(hint)
                self.error("corrections", f"{where}: unknown key '{key}'"
                                          + (f" (did you mean '{hint}'?)" if hint else ""))
            when: datetime | None = None
            if entry.get("date") is None:
                if "date" not in hinted:
                    self.error("corrections", f"{where}: 'date' is missing")
            else:
                try:
                    when = parse_datetime(entry["date"], config)
                except ValueError as exc:
                    self.error("corrections", f"{where}: 'date': {exc}")
            text = entry.get("text")
            if text is None and "text" in hinted:
                continue
            if not isinstance(text, str) or not text.strip():
                what = "missing" if text is None else (
                    "empty" if isinstance(text, str) else f"not text but {_describe(text)}")
                self.error("corrections", f"{where}: 'text' is {what}")
            elif when is not None and not unknown:
                found.append(Correction(when, " ".join(text.split())))
        return tuple(sorted(found, key=lambda c: c.date))

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        # Checked as written, before runs of white space become one space: browsers drop
        # tabs and line breaks inside a URL, so "java<tab>script:" would be a script link.
        written = str(self.fm.data[key]).strip()
        if not is_safe_url(written):
            self.error(key, f"'{key}' must be an http(s) URL or a path on this site, "
                            f"not '{value}'")
            return None
        return encode_url(value)


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


_NOT_IN_URLS = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


def encode_url(value: str) -> str:
    """Percent-encode the characters a URL may not hold as typed (spaces, quotes, < > …),
    as browsers do: the link still leads to the same place and is valid in HTML and XML."""
    return _NOT_IN_URLS.sub(lambda m: quote(m.group()), value)


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
    draft = check.flag("draft")
    embargo = check.when("embargo", config)
    corrections = check.corrections(config)
    wants_toc = check.flag("toc")

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

    bylines: dict[str, Tag] = {}
    for name in authors:
        author_slug = slugify(name)
        if not author_slug:
            check.error("author", f"author '{name}' has no letters or digits to make a URL "
                                  f"from")
        else:
            bylines.setdefault(author_slug, Tag(name, author_slug))

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

    body_html, toc_tokens = convert_body(fm.body, config.markdown_engine, config.body_html)
    if summary is None:
        summary = truncate_words(first_paragraph_text(body_html), config.summary_length)
    body_utf8 = encode_body(body_html)
    article = Article(
        source_path=source, title=title, date=moment, slug=slug,
        url=article_url(config.permalink, moment, slug),
        body_utf8=body_utf8,
        summary=summary, source=source_name, source_url=source_url,
        topics=tuple(tags.values()), authors=authors, bylines=tuple(bylines.values()),
        source_slug=slugify(source_name) if source_name else "", updated=updated,
        corrections=corrections, embargo=embargo,
        reading_minutes=max(1, round(word_count(body_utf8) / WORDS_PER_MINUTE)),
        toc=table_of_contents(toc_tokens) if wants_toc else (),
        image=image, image_alt=image_alt, draft=draft, extra=extra,
        refs=find_refs(body_html, fm.body, fm.body_line),
        key_lines={key: fm.line_of(key) or 2 for key, value in fm.data.items()
                   if _has_value(value)},
    )
    return article, check.warnings


def table_of_contents(tokens: Sequence[Mapping[str, Any]]) -> tuple[Heading, ...]:
    """The toc extension's heading tree as ``Heading`` values (names as plain text)."""
    return tuple(Heading(str(t["id"]), html.unescape(str(t["name"])),
                         table_of_contents(t.get("children") or ()))
                 for t in tokens)


def find_article_files(config: SiteConfig, warnings: list[Problem] | None = None,
                       errors: list[Problem] | None = None) -> Iterator[Path]:
    """Every ``.md`` file under the articles folder, sorted; hidden files are skipped and
    symlinks leading outside the site are not followed (see ``walk_files``)."""
    for path in walk_files(config.articles_dir, config.root,
                           [] if warnings is None else warnings,
                           [] if errors is None else errors, hidden_dirs=(".", "_")):
        if path.name.endswith(".md"):
            yield path


@dataclass(frozen=True)
class Parsed:
    """One article file as read: its stat and content digest (for the build cache), and
    the article or the problems found in it."""

    path: Path
    mtime_ns: int
    size: int
    digest: str
    article: Article | None
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    # The article's card and body digests (``digests.article_digests``), taken here, in
    # the worker that parsed it, rather than in the main process.
    digests: bytes = b""


ParsedRow = tuple[bytes, bytes]
"""A ``Parsed`` as the build cache stores it (``parsed_row``)."""


def parsed_row(parsed: Parsed) -> ParsedRow:
    """The record as the build cache keeps it: its file name's bytes (a file name need
    not be UTF-8), then a pickle of the rest (without the path: unpickling 10,000 Path
    objects costs ~0.3 s). Made where the file was parsed: the main process takes the
    record from it (``parsed_from_row``) and can store it as it came, rather than
    pickling every article again."""
    return os.fsencode(parsed.path), pickle.dumps(
        (parsed.mtime_ns, parsed.size, parsed.digest, parsed.article, parsed.warnings,
         parsed.errors, parsed.digests), protocol=pickle.HIGHEST_PROTOCOL)


class _Unread(Exception):
    """A file not read, and why (not an OSError: its reason is ours)."""


_OPEN_TO_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK


def _read_file(path: Path, max_mb: int) -> tuple[os.stat_result, bytes]:
    """A file's stat and bytes, through one descriptor: half the system calls and Python
    of ``path.stat()`` then ``path.read_bytes()`` (~7 µs, not ~15, at 10,000 articles).
    Opened without blocking, so that a pipe is seen for what it is, not waited on.
    Raises ``_Unread`` for a file that is not regular or larger than ``max_mb``."""
    handle = os.open(path, _OPEN_TO_READ)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise _Unread("not a regular file (a pipe or a device?): not read")
        if info.st_size > max_mb * 1024 * 1024:
            raise _Unread(f"{info.st_size / 1024 / 1024:.1f} MB is more than max_article_mb "
                          f"({max_mb} MB): split the article, or raise max_article_mb in "
                          f"newsgen.yaml")
        # A byte more than the stat said: all of it was read unless the file changed since
        # (or a signal cut the read short), and then it is read to its end.
        data = os.read(handle, info.st_size + 1)
        if len(data) != info.st_size:
            parts = [data]
            while part := os.read(handle, 1 << 16):
                parts.append(part)
            data = b"".join(parts)
    finally:
        os.close(handle)
    return info, data


def parsed_from_row(key: bytes, row: bytes, path: Path | None = None) -> Parsed:
    """The record of a row; ``path``: its file's path if at hand (the row's ``key``)."""
    return Parsed(path or Path(os.fsdecode(key)), *pickle.loads(row))


def read_article(path: Path, config: SiteConfig, *, digests: bool = True) -> Parsed:
    """Read one file and parse it; every problem is recorded, nothing raised.
    ``digests``: take the file's and the article's digests, which only the build cache
    uses."""
    source = display_path(path, config.root)
    try:
        info, data = _read_file(path, config.max_article_mb)
    except _Unread as exc:
        return Parsed(path, 0, 0, "", None, errors=(Problem(source, str(exc)),))
    except OSError as exc:
        problem = Problem(source, f"cannot read: {exc.strerror}")
        return Parsed(path, 0, 0, "", None, errors=(problem,))
    digest = hashlib.sha1(data).hexdigest() if digests else ""
    try:
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
        article, warnings = parse_article(text, source, config)
    except ContentError as exc:
        return Parsed(path, info.st_mtime_ns, info.st_size, digest, None, errors=exc.problems)
    return Parsed(path, info.st_mtime_ns, info.st_size, digest, article, tuple(warnings),
                  digests=article_digests(article) if digests else b"")


Loaded = tuple[list[Article], list[Problem], list[Problem], dict[Path, Parsed]]
"""Articles, warnings, errors, and the per-file records for the build cache."""


def load_articles(config: SiteConfig, jobs: int = 1,
                  previous: Mapping[Path, Parsed] | None = None, racy_after_ns: int = 0,
                  *, digests: bool = True,
                  rows_to: Callable[[list[ParsedRow]], None] | None = None,
                  ) -> tuple[list[Article], list[Problem], dict[Path, Parsed]]:
    """Read every article (see ``collect_articles``). All content errors of all files
    are raised together; otherwise returns articles, warnings and records."""
    articles, warnings, errors, records = collect_articles(config, jobs, previous,
                                                           racy_after_ns, digests=digests,
                                                           rows_to=rows_to)
    if errors:
        raise ContentError(errors)
    return articles, warnings, records


def collect_articles(config: SiteConfig, jobs: int = 1,
                     previous: Mapping[Path, Parsed] | None = None,
                     racy_after_ns: int = 0, *, digests: bool = True,
                     rows_to: Callable[[list[ParsedRow]], None] | None = None) -> Loaded:
    """Read every article, across ``jobs`` processes, and return what loaded with all
    warnings and errors, raising nothing (``newsgen check`` reports both kinds together).

    A file whose ``previous`` record still matches is not parsed again: same size and
    mtime, if that mtime is older than ``racy_after_ns`` (a file saved in the same clock
    tick as the record could have changed unseen, as git knows), else the same digest.
    ``digests``: see ``read_article``. ``rows_to``: takes the cache rows of the files
    parsed (``parsed_row``) as they come.
    """
    if not config.articles_dir.is_dir():
        return [], [], [Problem(display_path(config.articles_dir, config.root),
                                "articles folder not found")], {}
    previous = previous or {}
    records: dict[Path, Parsed] = {}
    warnings: list[Problem] = []
    errors: list[Problem] = []
    order: list[Path] = []
    todo: list[Path] = []
    for path in find_article_files(config, warnings, errors):
        order.append(path)
        known = previous.get(path)
        reused = _still_valid(path, known, racy_after_ns) if known else None
        if reused:
            records[path] = reused
        else:
            todo.append(path)
    progress = Progress("Reading articles", len(todo))

    taken = 0  # the chunks come back in order: the paths already made by the walk

    def take(chunk: list[ParsedRow]) -> None:
        nonlocal taken
        for (key, row), path in zip(chunk, todo[taken : taken + len(chunk)], strict=True):
            assert key == os.fsencode(path)
            records[path] = parsed_from_row(key, row, path)
        taken += len(chunk)
        if rows_to is not None:
            rows_to(chunk)
        progress.advance(len(chunk))

    map_chunks(partial(_read_chunk, config=config, digests=digests), todo, jobs, each=take)
    progress.done()
    articles: list[Article] = []
    for path in order:
        parsed = records[path]
        warnings.extend(parsed.warnings)
        errors.extend(parsed.errors)
        if parsed.article is not None:
            articles.append(parsed.article)
    return articles, warnings, errors, records


def _still_valid(path: Path, known: Parsed, racy_after_ns: int) -> Parsed | None:
    """``known`` (updated to the file's stat) if the file has not changed since."""
    if known.article is None:
        return None
    try:
        info = path.stat()
        if ((info.st_mtime_ns, info.st_size) == (known.mtime_ns, known.size)
                and info.st_mtime_ns < racy_after_ns):
            return known
        if info.st_size != known.size or not stat.S_ISREG(info.st_mode):
            return None
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None
    if digest != known.digest:
        return None
    return dataclasses.replace(known, mtime_ns=info.st_mtime_ns)


def _read_chunk(paths: Sequence[Path], config: SiteConfig, digests: bool,
                ) -> list[ParsedRow]:
    return [parsed_row(read_article(path, config, digests=digests)) for path in paths]


def _has_value(value: object) -> bool:
    return value is not None and (not isinstance(value, str | list | dict)
                                  or bool(value.strip() if isinstance(value, str) else value))


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

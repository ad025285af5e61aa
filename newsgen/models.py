"""The data a build works on: articles, topics and the site. Frozen values, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

from newsgen.config import SiteConfig


class Tag(NamedTuple):
    """A topic or an author as one article names it: display name and URL slug."""

    name: str
    slug: str


class Ref(NamedTuple):
    """A link (``<a href>``) or image (``<img src>``) in an article's body, as written."""

    tag: str  # "a" or "img"
    target: str  # the attribute's value, HTML entities decoded
    line: int  # 1-based line of the source file where the target is written
    alt: str | None = None  # an image's alt text (None: no alt attribute)


@dataclass(frozen=True, slots=True)
class Correction:
    """One entry of an article's ``corrections:`` list."""

    date: datetime  # timezone-aware
    text: str


@dataclass(frozen=True, slots=True)
class Heading:
    """One entry of an article's table of contents: a body heading and those under it."""

    id: str
    name: str  # plain text
    children: tuple[Heading, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One published (or held back) article, parsed and converted."""

    source_path: str  # as shown to the user, relative to the site root
    title: str
    date: datetime  # always timezone-aware
    slug: str
    url: str  # site URL, from the permalink pattern: "/2024/01/slug/"
    body_utf8: bytes  # the body's HTML, encoded (see ``body_html``)
    summary: str
    source: str = ""
    source_url: str | None = None
    topics: tuple[Tag, ...] = ()
    authors: tuple[str, ...] = ()  # as the front matter names them
    # The authors as entities: display name (the config's, else the most used spelling)
    # and the slug of their page, /authors/{slug}/.
    bylines: tuple[Tag, ...] = ()
    source_slug: str = ""  # /sources/{slug}/; empty when the source has no page
    updated: datetime | None = None
    corrections: tuple[Correction, ...] = ()  # oldest first
    embargo: datetime | None = None
    reading_minutes: int = 1
    toc: tuple[Heading, ...] = ()  # filled only for articles with ``toc: true``
    image: str | None = None
    image_alt: str | None = None
    draft: bool = False
    # Plain dict so that articles pickle across worker processes; treat it as read-only.
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # For cross-links and `newsgen check`: where things are written in the source file.
    refs: tuple[Ref, ...] = ()  # links and images of the body, in order
    key_lines: Mapping[str, int] = field(default_factory=dict, hash=False)  # keys set -> line

    @property
    def topic_slugs(self) -> tuple[str, ...]:
        return tuple(tag.slug for tag in self.topics)

    @property
    def modified(self) -> datetime:
        """When the article last changed: the latest of its date, ``updated`` and the
        dates of its corrections."""
        latest = self.date
        if self.updated and self.updated > latest:
            latest = self.updated
        if self.corrections and self.corrections[-1].date > latest:
            latest = self.corrections[-1].date
        return latest

    @property
    def source_page(self) -> str | None:
        return f"/sources/{self.source_slug}/" if self.source_slug else None

    @property
    def body_html(self) -> str:
        """The body's HTML. A build holds every article's body in memory, and keeps it as
        UTF-8: as a str, one character beyond Latin-1 (a dash, a curly quote) makes the
        whole body two bytes a character, and pickling a str keeps a UTF-8 copy inside
        it. Decoding when a page shows the body costs microseconds."""
        return self.body_utf8.decode(*_BODY_CODEC)

    def __reduce__(self) -> tuple[Any, ...]:
        # Articles are pickled to leave the workers and into the build cache: their
        # fields in order, faster than the generic state of slotted dataclasses, and as
        # builtins where that is cheaper (see ``_plain_fields``).
        return (_unpickle_article, (_plain_fields(self),))


# surrogatepass: any str the converters give comes back from the bytes unchanged.
_BODY_CODEC = ("utf-8", "surrogatepass")


def encode_body(body_html: str) -> bytes:
    """``Article.body_utf8`` for the body ``body_html`` (see ``Article.body_html``)."""
    return body_html.encode(*_BODY_CODEC)


def _plain_fields(article: Article) -> tuple[Any, ...]:
    """The article's fields, with its dates as naive datetimes and their zone's name, and
    its topics, bylines, links and corrections as plain tuples. Pickling names each class
    it meets once a call, and that lookup (~3 µs) and a ZoneInfo's own reduction (~8 µs)
    were a third of an article's pickling: 57 → 43 µs to pickle, 56 → 51 to unpickle."""
    values = list(_pickled_fields(article))
    for index in _TIME_FIELDS:
        values[index] = _plain_time(values[index])
    for index in _TUPLE_FIELDS:
        values[index] = tuple(map(tuple, values[index]))
    values[_CORRECTIONS] = tuple((_plain_time(c.date), c.text) for c in article.corrections)
    return tuple(values)


def _unpickle_article(values: tuple[Any, ...]) -> Article:
    fields = list(values)
    for index in _TIME_FIELDS:
        fields[index] = _aware_time(fields[index])
    for index, kind in _TUPLE_FIELDS.items():
        fields[index] = tuple(tuple.__new__(kind, item) for item in fields[index])
    fields[_CORRECTIONS] = tuple(Correction(_aware_time(moment), text)
                                 for moment, text in fields[_CORRECTIONS])
    article = object.__new__(Article)
    for name, value in zip(_PICKLED_FIELDS, fields, strict=True):
        object.__setattr__(article, name, value)
    return article


def _plain_time(moment: Any) -> Any:
    """A datetime in a named zone (as every article date is: the site's) as its wall time
    and the zone's name; anything else as it is."""
    zone = moment.tzinfo if type(moment) is datetime else None
    if type(zone) is ZoneInfo and zone.key:
        return moment.replace(tzinfo=None), zone.key
    return moment


def _aware_time(value: Any) -> Any:
    if type(value) is tuple:
        wall, key = value
        # The zone comes from ZoneInfo's cache: the very object the site's dates use
        # (SiteConfig.tz), so that they compare as the parsed dates did.
        return wall.replace(tzinfo=ZoneInfo(key))
    return value


_PICKLED_FIELDS = tuple(f.name for f in fields(Article))
_pickled_fields = attrgetter(*_PICKLED_FIELDS)
_TIME_FIELDS = tuple(_PICKLED_FIELDS.index(name) for name in ("date", "updated", "embargo"))
_TUPLE_FIELDS = {_PICKLED_FIELDS.index(name): kind
                 for name, kind in (("topics", Tag), ("bylines", Tag), ("refs", Ref))}
_CORRECTIONS = _PICKLED_FIELDS.index("corrections")


class ArticleRef:
    """An article known by its URL, read on first use of any other field: how pages read
    back from the build cache's rows hold the articles they list (see ``store``)."""

    __slots__ = ("_article", "_load", "url")

    def __init__(self, url: str, load: Callable[[str], Article]) -> None:
        self.url = url
        self._load = load
        self._article: Article | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._article is None:
            self._article = self._load(self.url)
        return getattr(self._article, name)


# What ``reads`` and ``fingerprint`` treat as an article in a page's context.
ARTICLE_TYPES = (Article, ArticleRef)


@dataclass(frozen=True, slots=True)
class ArticleGroup:
    """Articles under one name, newest first, with a page and a feed in ``SECTION``."""

    SECTION: ClassVar[str] = ""
    name: str
    slug: str
    articles: tuple[Article, ...]

    @property
    def url(self) -> str:
        return f"/{self.SECTION}/{self.slug}/"

    @property
    def feed_url(self) -> str:
        return f"/{self.SECTION}/{self.slug}/feed.xml"

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def latest(self) -> Article:
        return self.articles[0]


@dataclass(frozen=True, slots=True)
class Topic(ArticleGroup):
    """A topic and its articles, newest first."""

    SECTION: ClassVar[str] = "topics"


@dataclass(frozen=True, slots=True)
class Author(ArticleGroup):
    """A byline as an entity: display name, optional bio and web page, articles newest first."""

    SECTION: ClassVar[str] = "authors"
    bio: str = ""
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Source(ArticleGroup):
    """An outlet or agency articles are credited to, and those articles, newest first."""

    SECTION: ClassVar[str] = "sources"


@dataclass(frozen=True, slots=True)
class ArchiveMonth:
    """The articles of one calendar month (in the site's time zone), newest first."""

    year: int
    month: int
    articles: tuple[Article, ...]

    @property
    def url(self) -> str:
        return f"/archive/{self.year:04d}/{self.month:02d}/"

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True, slots=True)
class ArchiveYear:
    year: int
    months: tuple[ArchiveMonth, ...]  # newest first

    @property
    def url(self) -> str:
        return f"/archive/{self.year:04d}/"

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


# What the build cache keeps in rows of their own, which page rows (and each other's)
# hold by reference: the topics, authors and sources, and the archive's years. Each
# month's page shows its year: in the page's row that was every article of the year.
RowGroup = ArticleGroup | ArchiveYear


class CorrectionEntry(NamedTuple):
    """A correction on the site-wide corrections page, with the article it corrects."""

    correction: Correction
    article: Article


@dataclass(frozen=True)
class Site:
    """Everything known once all articles are loaded and indexed."""

    config: SiteConfig
    articles: tuple[Article, ...]  # published ones, newest first
    topics: tuple[Topic, ...]  # sorted by name
    related: Mapping[str, tuple[Article, ...]]  # article URL -> related articles
    authors: tuple[Author, ...] = ()  # sorted by name
    sources: tuple[Source, ...] = ()  # sorted by name
    archive: tuple[ArchiveYear, ...] = ()  # newest first
    corrections: tuple[CorrectionEntry, ...] = ()  # newest first
    held_back_drafts: int = 0
    held_back_future: int = 0
    held_back_embargoed: int = 0
    # The earliest time after the build at which a held-back article would be published
    # (a scheduled date or an embargo): when a scheduler should build again.
    next_publish: datetime | None = None

    def related_to(self, article: Article) -> tuple[Article, ...]:
        return self.related.get(article.url, ())

    @cached_property
    def _authors_by_slug(self) -> dict[str, Author]:
        return {author.slug: author for author in self.authors}

    def author(self, slug: str) -> Author | None:
        return self._authors_by_slug.get(slug)



"""The build cache's rows: ``.newsgen-cache/store.sqlite``.

parsed    article file → its ``Parsed`` record: unchanged files are not parsed again
articles  site URL → the article as pages show it (topics merged, links resolved)
pages     output path → the planned page (template and context, with articles and topics,
          authors and sources by URL) of every page written
groups    topic, author or source URL → the group, with its articles by URL (one row per
          group rather than a copy in each of its pages: linear in the site's size)
prints    output path → the fingerprint of every page written (see ``fingerprint``)
blobs     the related lists and the list of published files

The rows let a build that only has what articles display to update (``quick``) read a
few of them instead of every article. Each build updates only the rows that changed,
in one transaction, and names it with a new generation; the cache head (``cache``)
records the generation it goes with, so rows left out of step with the head (a build cut
short between the two writes) are never used. Rows are pickles written by this very
code: the head's code key guards against any other.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from newsgen.cache import STORE_FILE
from newsgen.content import Parsed, ParsedRow, parsed_from_row, parsed_row
from newsgen.fingerprint import PagePrint
from newsgen.models import ARTICLE_TYPES, Article, ArticleRef, RowGroup
from newsgen.page import Page

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parsed (path BLOB PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, digest BLOB NOT NULL,
                                     row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS groups (url TEXT PRIMARY KEY, digest BLOB NOT NULL,
                                   row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS prints (path TEXT PRIMARY KEY, structure TEXT NOT NULL,
                                   cards TEXT NOT NULL, bodies TEXT NOT NULL,
                                   reads TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


# Each table's key column (``mentioning``).
_KEYS = {"parsed": "path", "articles": "url", "pages": "path", "groups": "url"}

_SAME_AS_PARSED = b"\0parsed:"  # a row that says "the parsed row of this file"


class StoreError(Exception):
    """The store cannot be read: damaged, or not a store at all."""


class Store:
    """One open store. Reads are cheap and independent; ``write`` is one transaction."""

    def __init__(self, directory: Path, *, fresh: bool = False) -> None:
        self.path = directory / STORE_FILE
        # A fresh store is written whole into a new file, with no journal (nothing reads
        # it until it is complete), and moved into place by ``close`` once written.
        self._fresh = self.path.with_name(STORE_FILE + ".new") if fresh else None
        self._written = False
        self._closed = False
        pragmas = ("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" if fresh
                   else "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        try:
            self._db = sqlite3.connect(self._fresh or self.path, isolation_level=None)
            self._db.executescript(pragmas + _SCHEMA)
            if fresh:
                # One transaction from the first row to ``write``'s last: rows added
                # outside one (``add_parsed``, ``add_pages``, ``add_site``) would each be
                # a transaction of their own, ~3 s of a cold build at 10,000 articles.
                self._db.execute("BEGIN")
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc

    def close(self) -> None:
        """Close the store (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        if self._fresh is not None and self._written:
            # In WAL mode before it is moved into place: the next build opens it in that
            # mode, and switching then (with syncs on) flushes the whole file, ~0.2 s at
            # 10,000 articles, on the build that follows a cold one.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA journal_mode=WAL")
        self._db.close()
        if self._fresh is None:
            return
        if self._written:
            os.replace(self._fresh, self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._fresh)

    @classmethod
    def reset(cls, directory: Path) -> Store:
        """An empty store, to be written once, that replaces whatever ``directory`` held
        when it is closed after a successful ``write``."""
        directory.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", ".new"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(directory / (STORE_FILE + suffix))
        return cls(directory, fresh=True)

    def _rows(self, sql: str, *args: Any) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc

    def generation(self) -> str:
        rows = self._rows("SELECT value FROM meta WHERE key = 'generation'")
        return str(rows[0][0]) if rows else ""

    # Parsed records ------------------------------------------------------------------

    def all_parsed(self) -> dict[Path, Parsed]:
        found = {}
        # Row by row, not fetched all at once: the pickles (~60 MB at 10,000 articles)
        # are not all held in memory beside what they unpickle to.
        try:
            for name, row in self._db.execute("SELECT path, row FROM parsed"):
                parsed = _load_parsed(name, row)
                found[parsed.path] = parsed
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc
        return found

    def parsed_paths(self) -> set[str]:
        return {os.fsdecode(path) for (path,) in self._rows("SELECT path FROM parsed")}

    def parsed(self, paths: Iterable[Path]) -> dict[Path, Parsed]:
        found = {}
        for path in paths:
            key = _path_key(path)
            rows = self._rows("SELECT row FROM parsed WHERE path = ?", key)
            if rows:
                found[path] = _load_parsed(key, rows[0][0])
        return found

    # Site articles ---------------------------------------------------------------------

    def article_digests(self) -> dict[str, bytes]:
        return {url: bytes(digest)
                for url, digest in self._rows("SELECT url, digest FROM articles")}

    def article_digest(self, url: str) -> bytes | None:
        """The article's card digest followed by its body digest (20 bytes each)."""
        rows = self._rows("SELECT digest FROM articles WHERE url = ?", url)
        return bytes(rows[0][0]) if rows else None

    def article(self, url: str) -> Article | None:
        rows = self._rows("SELECT row FROM articles WHERE url = ?", url)
        if not rows:
            return None
        row = bytes(rows[0][0])
        if row.startswith(_SAME_AS_PARSED):  # the article as parsed from this file
            path = Path(os.fsdecode(row[len(_SAME_AS_PARSED):]))
            parsed = self.parsed([path]).get(path)
            if parsed is None or parsed.article is None or parsed.article.url != url:
                raise StoreError(f"no parsed row for {url}")
            return parsed.article
        article: Article = _loads(row)
        return article

    # Fingerprints and blobs ------------------------------------------------------------

    def all_prints(self) -> dict[str, PagePrint]:
        return {path: (structure, _urls(cards), _urls(bodies), reads)
                for path, structure, cards, bodies, reads
                in self._rows("SELECT path, structure, cards, bodies, reads FROM prints")}

    def prints_reading(self, cards: Iterable[str], bodies: Iterable[str],
                       ) -> dict[str, PagePrint]:
        """The pages that read the card of an article at one of ``cards``, or the body of
        one at ``bodies`` (site URLs)."""
        found = {}
        for column, urls in (("cards", cards), ("bodies", bodies)):
            for url in urls:
                for path, structure, card_urls, body_urls, reads in self._rows(
                        "SELECT path, structure, cards, bodies, reads FROM prints "
                        f"WHERE instr({column}, ?) > 0", f"\n{url}\n"):
                    found[path] = (structure, _urls(card_urls), _urls(body_urls), reads)
        return found

    def mentioning(self, table: str, text: str) -> set[str]:
        """The keys of the rows of ``table`` ("parsed", "articles", "pages" or "groups")
        whose pickle holds ``text``: pickles keep strings as UTF-8, so every row that
        holds an article or group by that URL, or a body linking to it (and maybe a few
        rows that merely contain the text)."""
        key = _KEYS[table]
        return {os.fsdecode(found) if isinstance(found, bytes) else found
                for (found,) in self._rows(f"SELECT {key} FROM {table} WHERE instr(row, ?) > 0",
                                           text.encode("utf-8", "surrogatepass"))}

    def blob(self, name: str) -> Any:
        rows = self._rows("SELECT value FROM blobs WHERE name = ?", name)
        return _loads(rows[0][0]) if rows else None

    # Pages -----------------------------------------------------------------------------

    def page_paths(self) -> set[str]:
        return {path for (path,) in self._rows("SELECT path FROM pages")}

    def page(self, path: str, resolve: Callable[[str], Article | ArticleRef],
             groups: dict[str, RowGroup] | None = None) -> Page | None:
        """The page at ``path``, its articles looked up by URL with ``resolve`` and its
        groups read from their rows (and kept in ``groups`` for the next page)."""
        rows = self._rows("SELECT row FROM pages WHERE path = ?", path)
        if not rows:
            return None
        url, template, context, renderer = self._unpickle(rows[0][0], resolve, groups or {})
        return Page(url, template, MappingProxyType(context), renderer)

    def group(self, url: str, resolve: Callable[[str], Article | ArticleRef],
              groups: dict[str, RowGroup]) -> RowGroup:
        """The group at ``url`` read from its row (and kept in ``groups``), its articles
        looked up with ``resolve``."""
        return self._group_loader(resolve, groups)(url)

    def group_digests(self) -> dict[str, bytes]:
        return {url: bytes(digest) for url, digest in self._rows("SELECT url, digest FROM groups")}

    def _group_loader(self, resolve: Callable[[str], Article | ArticleRef],
                      groups: dict[str, RowGroup]) -> Callable[[str], RowGroup]:
        def load_group(url: str) -> RowGroup:
            if url not in groups:
                rows = self._rows("SELECT row FROM groups WHERE url = ?", url)
                if not rows:
                    raise StoreError(f"no row for {url}")
                groups[url] = self._unpickle(rows[0][0], resolve, groups)
            return groups[url]

        return load_group

    def _unpickle(self, data: bytes, resolve: Callable[[str], Article | ArticleRef],
                  groups: dict[str, RowGroup]) -> Any:
        try:
            return _RowUnpickler(data, resolve, self._group_loader(resolve, groups)).load()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"unreadable row ({type(exc).__name__})") from exc

    # Writing ---------------------------------------------------------------------------

    def add_parsed(self, rows: Iterable[ParsedRow]) -> None:
        """Parsed rows, as the workers made them (``parsed_row``), for a fresh store (as
        ``add_pages``)."""
        assert self._fresh is not None
        self._db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)", rows)

    def add_pages(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """Page rows (``page_row``) for a fresh store, before its ``write``: they go into
        its one transaction (see ``__init__``), as nothing reads its file until then."""
        assert self._fresh is not None
        self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", rows)

    def add_site(self, parsed: Iterable[Parsed], articles: Iterable[tuple[Article, bytes]],
                 as_parsed: Mapping[int, Path],
                 groups: Iterable[tuple[RowGroup, bytes]]) -> None:
        """The parsed, article and group rows of a fresh store, before its ``write`` (as
        ``add_pages``; ``write`` describes the arguments)."""
        assert self._fresh is not None
        self._put_site(parsed, articles, as_parsed, groups)

    def _put_site(self, parsed: Iterable[Parsed], articles: Iterable[tuple[Article, bytes]],
                  as_parsed: Mapping[int, Path],
                  groups: Iterable[tuple[RowGroup, bytes]]) -> None:
        db = self._db

        def article_row(article: Article) -> bytes:
            path = as_parsed.get(id(article))
            return _SAME_AS_PARSED + os.fsencode(path) if path else _dumps(article)

        db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)",
                       (parsed_row(p) for p in parsed))
        db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?)",
                       ((a.url, digest, article_row(a)) for a, digest in articles))
        db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?, ?)",
                       ((g.url, digest, _dump_row(g)) for g, digest in groups))

    def write(self, generation: str, *, parsed: Iterable[Parsed] = (),
              parsed_gone: Iterable[Path] = (),
              articles: Iterable[tuple[Article, bytes]] = (), articles_gone: Iterable[str] = (),
              as_parsed: Mapping[int, Path] | None = None,
              pages: Iterable[tuple[str, bytes]] = (), pages_gone: Iterable[str] = (),
              groups: Iterable[tuple[RowGroup, bytes]] = (), groups_gone: Iterable[str] = (),
              prints: Mapping[str, PagePrint] | None = None, prints_gone: Iterable[str] = (),
              blobs: Mapping[str, object] | None = None) -> None:
        """Apply one build's changes and name the result ``generation``, all or nothing.
        ``pages``: output paths with their ``page_row``. ``as_parsed``: the articles (by
        id) that are the very objects parsed from those files (most are): their rows point
        at the parsed rows instead of repeating them."""
        db = self._db
        try:
            if not db.in_transaction:  # a fresh store's is open (``__init__``)
                db.execute("BEGIN")
            self._put_site(parsed, articles, as_parsed or {}, groups)
            db.executemany("DELETE FROM parsed WHERE path = ?",
                           ((_path_key(p),) for p in parsed_gone))
            db.executemany("DELETE FROM articles WHERE url = ?", ((u,) for u in articles_gone))
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", pages)
            db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in pages_gone))
            db.executemany("DELETE FROM groups WHERE url = ?", ((u,) for u in groups_gone))
            db.executemany("INSERT OR REPLACE INTO prints VALUES (?, ?, ?, ?, ?)",
                           ((path, print_[0], _text(print_[1]), _text(print_[2]), print_[3])
                            for path, print_ in (prints or {}).items()))
            db.executemany("DELETE FROM prints WHERE path = ?", ((p,) for p in prints_gone))
            db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)",
                           ((name, _dumps(value)) for name, value in (blobs or {}).items()))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
            db.execute("COMMIT")
            self._written = True
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise


def _path_key(path: Path) -> bytes:
    """An article file's row key: its name's bytes, as a file name need not be UTF-8
    (Python gives its undecodable bytes back as surrogates, which SQLite's text refuses)."""
    return os.fsencode(path)


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _text(urls: tuple[str, ...]) -> str:
    """URLs as one string that ``instr`` can search for "\\n{url}\\n"."""
    return "\n" + "".join(f"{url}\n" for url in urls) if urls else ""


def _urls(text: str) -> tuple[str, ...]:
    return tuple(text[1:-1].split("\n")) if text else ()


def _load_parsed(key: bytes, row: bytes) -> Parsed:
    try:
        return parsed_from_row(key, row)
    except Exception as exc:
        raise StoreError(f"unreadable row ({type(exc).__name__})") from exc


def _loads(row: bytes) -> Any:
    try:
        return pickle.loads(row)
    except Exception as exc:
        raise StoreError(f"unreadable row ({type(exc).__name__})") from exc


class _RowPickler(pickle.Pickler):
    """Pickles a page's context, or a group, with each article, and each group inside the
    value (``RowGroup``: an archive year too), as a reference to its own row."""

    def __init__(self, buffer: io.BytesIO, top: object) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._top = top

    def persistent_id(self, obj: Any) -> tuple[str, str] | None:
        if type(obj) in ARTICLE_TYPES:
            return ("a", obj.url)
        if isinstance(obj, RowGroup) and obj is not self._top:
            return ("g", obj.url)
        return None


class _RowUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, resolve: Callable[[str], Article | ArticleRef],
                 load_group: Callable[[str], RowGroup]) -> None:
        super().__init__(io.BytesIO(data))
        self._resolve = resolve
        self._load_group = load_group

    def persistent_load(self, pid: Any) -> Any:
        kind, url = pid
        return self._resolve(url) if kind == "a" else self._load_group(url)


def page_row(page: Page) -> bytes:
    """A planned page's row: its context with articles and groups by reference. Taken
    by the render worker that rendered the page."""
    return _dump_row((page.url, page.template, dict(page.context), page.renderer))


def _dump_row(value: object) -> bytes:
    buffer = io.BytesIO()
    _RowPickler(buffer, value).dump(value)
    return buffer.getvalue()

"""The build cache's rows: ``.newsgen-cache/store.sqlite``.

parsed    article file → its ``Parsed`` record: unchanged files are not parsed again
articles  site URL → the article as pages show it (topics merged, links resolved)
pages     output path → the planned page (template and context, with articles by URL) of
          every page that shows an article's body (see ``bodyreads``)

The rows let a build that only has an article's body to update (``quick``) read a
handful of them instead of every article. Each build updates only the rows that changed,
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
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from newsgen.content import Parsed
from newsgen.models import Article
from newsgen.page import Page

STORE_FILE = "store.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parsed (path TEXT PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, digest BLOB NOT NULL,
                                     row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, row BLOB NOT NULL);
"""


class StoreError(Exception):
    """The store cannot be read: damaged, or not a store at all."""


class Store:
    """One open store. Reads are cheap and independent; ``write`` is one transaction."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / STORE_FILE
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                   + _SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(exc)) from exc

    def close(self) -> None:
        self._db.close()

    @classmethod
    def reset(cls, directory: Path) -> Store:
        """An empty store in place of whatever ``directory`` held."""
        directory.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(directory / (STORE_FILE + suffix))
        return cls(directory)

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
        for name, row in self._rows("SELECT path, row FROM parsed"):
            path = Path(name)
            found[path] = Parsed(path, *_loads(row))
        return found

    def parsed_paths(self) -> set[str]:
        return {path for (path,) in self._rows("SELECT path FROM parsed")}

    def parsed(self, paths: Iterable[Path]) -> dict[Path, Parsed]:
        found = {}
        for path in paths:
            rows = self._rows("SELECT row FROM parsed WHERE path = ?", str(path))
            if rows:
                found[path] = Parsed(path, *_loads(rows[0][0]))
        return found

    # Site articles ---------------------------------------------------------------------

    def article_digests(self) -> dict[str, bytes]:
        return {url: bytes(digest)
                for url, digest in self._rows("SELECT url, digest FROM articles")}

    def article(self, url: str) -> Article | None:
        rows = self._rows("SELECT row FROM articles WHERE url = ?", url)
        return _loads(rows[0][0]) if rows else None

    # Pages -----------------------------------------------------------------------------

    def page_paths(self) -> set[str]:
        return {path for (path,) in self._rows("SELECT path FROM pages")}

    def page(self, path: str, resolve: Callable[[str], Article]) -> Page | None:
        """The page at ``path``, its articles looked up by URL with ``resolve``."""
        rows = self._rows("SELECT row FROM pages WHERE path = ?", path)
        if not rows:
            return None
        url, template, context, renderer = _PageUnpickler(rows[0][0], resolve).load()
        return Page(url, template, MappingProxyType(context), renderer)

    # Writing ---------------------------------------------------------------------------

    def write(self, generation: str, *, parsed: Iterable[Parsed] = (),
              parsed_gone: Iterable[Path] = (),
              articles: Iterable[tuple[Article, bytes]] = (), articles_gone: Iterable[str] = (),
              pages: Iterable[Page] = (), pages_gone: Iterable[str] = ()) -> None:
        """Apply one build's changes and name the result ``generation``, all or nothing."""
        db = self._db
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?)",
                           ((str(p.path), _dump_parsed(p)) for p in parsed))
            db.executemany("DELETE FROM parsed WHERE path = ?", ((str(p),) for p in parsed_gone))
            db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?)",
                           ((a.url, digest, _dumps(a)) for a, digest in articles))
            db.executemany("DELETE FROM articles WHERE url = ?", ((u,) for u in articles_gone))
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)",
                           ((page.output_path, _dump_page(page)) for page in pages))
            db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in pages_gone))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _dump_parsed(parsed: Parsed) -> bytes:
    # Without the path (the row's key): unpickling 10,000 Path objects costs ~0.3 s.
    return _dumps((parsed.mtime_ns, parsed.size, parsed.digest, parsed.article,
                   parsed.warnings, parsed.errors))


def _loads(row: bytes) -> Any:
    try:
        return pickle.loads(row)
    except Exception as exc:
        raise StoreError(f"unreadable row ({type(exc).__name__})") from exc


class _PagePickler(pickle.Pickler):
    """Pickles a page's context with each article as a reference to its row."""

    def persistent_id(self, obj: Any) -> str | None:
        return obj.url if type(obj) is Article else None


class _PageUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, resolve: Callable[[str], Article]) -> None:
        super().__init__(io.BytesIO(data))
        self._resolve = resolve

    def persistent_load(self, pid: Any) -> Article:
        return self._resolve(str(pid))


def _dump_page(page: Page) -> bytes:
    import io

    buffer = io.BytesIO()
    _PagePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        (page.url, page.template, dict(page.context), page.renderer))
    return buffer.getvalue()

